//! Test vectors: the file model, the loader and the runner that grades an
//! implementation's answers (see vectors/README.md for the format).

pub mod bundled;
pub mod load;
pub mod model;
pub mod run;

pub use bundled::{BUNDLED_FILES, bundled};
pub use load::{LoadError, LoadedFile, load_dir, load_file, parse_file};
pub use model::{
    BUG_TYPES, Case, Compare, Equivalent, Expect, FORMAT_VERSION, Profile, VectorFile, Verdict,
};
pub use run::{
    Answer, CaseReport, Expectations, ExpectationsApplied, Implementation, Outcome, Report,
    SchemeReport, Selection, Strictness, Summary, glob_match, grade, grade_profile, run,
    run_profile,
};
