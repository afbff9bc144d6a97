//! `partner-auth sign`, `verify` and `run`: one operation on one input, every stage shown.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use partner_auth::canonical::CanonicalString;
use partner_auth::reference;
use partner_auth::vectors::Answer;
use serde_json::Value;

use super::redact::{redact, secrets_in, short_secret_note};
use super::{EXIT_CONFORMANT, EXIT_NONCONFORMANT, Format};

/// Arguments of `sign` and `verify`.
#[derive(Debug, Args)]
pub struct OpArgs {
    /// The scheme slug (see `partner-auth schemes`).
    pub scheme: String,
    #[command(flatten)]
    pub io: IoArgs,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scheme slug (see `partner-auth schemes`).
    pub scheme: String,
    /// The operation, e.g. `parse-authorization` (see `partner-auth schemes`).
    pub op: String,
    #[command(flatten)]
    pub io: IoArgs,
}

/// Input and output options shared by the single-operation commands.
#[derive(Debug, Args)]
pub struct IoArgs {
    /// A JSON file holding a vector case's `input` object (or a whole case), `-` for
    /// standard input. See vectors/README.md for each scheme's fields.
    #[arg(long, short, value_name = "FILE|-")]
    pub input: PathBuf,
    /// `text` shows every stage for people (CR LF visible); `json` prints the `output`
    /// object exactly as the vectors define it.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print key material from the input as is instead of `<redacted>`.
    #[arg(long)]
    pub reveal_secrets: bool,
}

fn read_input(path: &PathBuf) -> anyhow::Result<Value> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    // A whole case is accepted too: use its `input`.
    let value = match value {
        Value::Object(mut m) if m.contains_key("input") && m.contains_key("op") => {
            m.remove("input").unwrap_or_default()
        }
        other => other,
    };
    if !value.is_object() {
        bail!(
            "{}: the input must be a JSON object (a vector case's `input`)",
            path.display()
        );
    }
    Ok(value)
}

/// `sign` / `verify`.
pub fn run_op(op: &str, args: OpArgs) -> anyhow::Result<ExitCode> {
    run_any(RunArgs {
        scheme: args.scheme,
        op: op.to_owned(),
        io: args.io,
    })
}

/// `run`: any op.
pub fn run_any(args: RunArgs) -> anyhow::Result<ExitCode> {
    let Some(ops) = reference::ops(&args.scheme) else {
        let known: Vec<&str> = partner_auth::registry::slugs().collect();
        bail!(
            "unknown scheme `{}`; the reference implements: {}",
            args.scheme,
            known.join(", ")
        );
    };
    if !ops.contains(&args.op.as_str()) {
        bail!(
            "scheme `{}` has no op `{}`; it has: {}",
            args.scheme,
            args.op,
            ops.join(", ")
        );
    }
    let input = read_input(&args.io.input)?;
    let secrets = if args.io.reveal_secrets {
        Vec::new()
    } else {
        secrets_in(&input)
    };
    let answer = reference::answer(&args.scheme, &args.op, &input);
    if let Some(note) = short_secret_note(&secrets) {
        eprintln!("{note}");
    }
    let show = |s: &str| redact(s, &secrets);
    match answer {
        Answer::Output(out) => {
            match args.io.format {
                Format::Json => println!("{}", show(&serde_json::to_string_pretty(&out)?)),
                Format::Text => {
                    println!("{} {}: valid", args.scheme, args.op);
                    print_stages(&out, &show);
                }
            }
            Ok(ExitCode::from(EXIT_CONFORMANT))
        }
        Answer::Error { code, message } => {
            match args.io.format {
                Format::Json => println!(
                    "{}",
                    show(
                        &serde_json::json!({ "error": { "code": code, "message": message } })
                            .to_string()
                    )
                ),
                Format::Text => println!(
                    "{} {}: refused: {code}: {}",
                    args.scheme,
                    args.op,
                    show(&message)
                ),
            }
            Ok(ExitCode::from(EXIT_NONCONFORMANT))
        }
        Answer::BadInput { field, message } => {
            bail!(
                "{}: field `{field}` of the input: {}",
                args.io.input.display(),
                show(&message)
            )
        }
        Answer::Unsupported(reason) | Answer::Broken(reason) => bail!("{}", show(&reason)),
    }
}

/// Prints each output field (stage) in order, readable: multi-line strings with their
/// line ends visible, header lists one per line.
pub fn print_stages(out: &Value, show: &dyn Fn(&str) -> String) {
    let Some(fields) = out.as_object() else {
        println!("{}", show(&out.to_string()));
        return;
    };
    for (name, value) in fields {
        match value {
            Value::String(s) if s.contains(['\r', '\n']) => {
                println!("{name}:  (␍␊ = CR LF, ␊ = bare LF)");
                for line in CanonicalString::from(s.as_str()).visible().lines() {
                    println!("    {}", show(line));
                }
            }
            Value::String(s) => println!("{name}: {}", show(s)),
            Value::Array(items) if items.iter().all(is_pair) && !items.is_empty() => {
                println!("{name}:");
                for pair in items {
                    let (n, v) = (
                        pair[0].as_str().unwrap_or(""),
                        pair[1].as_str().unwrap_or(""),
                    );
                    println!("    {n}: {}", show(v));
                }
            }
            other => println!("{name}: {}", show(&other.to_string())),
        }
    }
}

fn is_pair(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| a.len() == 2 && a.iter().all(Value::is_string))
}
