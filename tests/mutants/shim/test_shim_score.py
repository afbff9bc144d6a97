"""Checks of tests/mutants/shim_score.py and its catalogue that need no partner-auth
binary: every patch applies exactly once and still compiles, a patch that does not
apply stops the run naming its mutant, and the profile decides what a mutant is.

    python3 -m unittest discover -s tests/mutants/shim -p 'test_*.py'
"""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.dont_write_bytecode = True

import shim_score  # noqa: E402

SCHEME_FAMILIES = ("signupto-hash", "signupto-partner-hash", "signupto-token", "hmac-sha256",
                   "partners-portal", "groupcall-customer", "groupcall-partner", "primitives/")


def entry(**fields):
    base = {"id": "t-1", "scheme": "hmac-sha256", "description": "d", "bugType": "BASIC",
            "file": "schemes/hmac_sha256.py", "find": 'DEFAULT_WINDOW_SECONDS = 60',
            "replace": 'DEFAULT_WINDOW_SECONDS = 61'}
    base.update(fields)
    return base


class CatalogueTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, mutants):
        path = os.path.join(self.tmp.name, "catalogue.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"mutants": mutants}, f)
        return path

    def patched_copy(self, mutant):
        dest = os.path.join(self.tmp.name, "copy")
        shim_score.copy_shim(shim_score.DEFAULT_SHIM_DIR, dest)
        shim_score.apply_patch(dest, mutant)
        return dest

    def test_every_mutant_of_the_catalogue_applies_once_and_compiles(self):
        mutants = shim_score.load_catalogue(shim_score.DEFAULT_CATALOGUE)
        for m in mutants:
            with self.subTest(m["id"]):
                dest = self.patched_copy(m)
                with open(os.path.join(dest, m["file"]), encoding="utf-8") as f:
                    self.assertIn(m["replace"], f.read())
                shim_score.shutil.rmtree(dest)

    def test_the_catalogue_holds_40_bug_mutants_over_every_scheme(self):
        mutants = shim_score.load_catalogue(shim_score.DEFAULT_CATALOGUE)
        bugs = [m for m in mutants if shim_score.kind(m, "conformance") == "bug"]
        self.assertGreaterEqual(len(bugs), 40)
        for family in SCHEME_FAMILIES:
            self.assertTrue(any(m["scheme"].startswith(family) for m in bugs), f"no bug mutant of {family}")

    def test_a_find_that_does_not_occur_names_the_mutant(self):
        mutant = shim_score.load_catalogue(self.write([entry(id="gone", find="no such text")]))[0]
        with self.assertRaisesRegex(shim_score.CatalogueError, r"mutant gone: `find` occurs 0 times"):
            self.patched_copy(mutant)

    def test_a_find_that_occurs_twice_names_the_mutant(self):
        mutant = shim_score.load_catalogue(self.write([entry(id="twice", find="import ")]))[0]
        with self.assertRaisesRegex(shim_score.CatalogueError, r"mutant twice: `find` occurs [0-9]+ times"):
            self.patched_copy(mutant)

    def test_a_patch_that_breaks_the_syntax_is_refused(self):
        mutant = shim_score.load_catalogue(self.write([entry(id="syntax", replace="DEFAULT_WINDOW_SECONDS = (")]))[0]
        with self.assertRaisesRegex(shim_score.CatalogueError, r"mutant syntax: the patched .* does not compile"):
            self.patched_copy(mutant)

    def test_the_main_entry_exits_2_naming_a_void_mutant(self):
        path = self.write([entry(id="void", find="no such text")])
        status = shim_score.main([sys.executable, "--catalogue", path])
        self.assertEqual(status, 2)

    def test_malformed_entries_are_refused(self):
        for bad, message in [
            (entry(colour="red"), "unknown field"),
            (entry(bugType="TYPO"), "bugType"),
            (entry(hardened="why"), "only makes sense with `allowed`"),
            (entry(replace='DEFAULT_WINDOW_SECONDS = 60'), "changes nothing"),
            ({k: v for k, v in entry().items() if k != "find"}, "missing field `find`"),
        ]:
            with self.subTest(message):
                with self.assertRaisesRegex(shim_score.CatalogueError, message):
                    shim_score.load_catalogue(self.write([bad]))
        with self.assertRaisesRegex(shim_score.CatalogueError, "duplicate id"):
            shim_score.load_catalogue(self.write([entry(), entry()]))

    def test_hardened_names_a_property_of_the_vector_files(self):
        ok = shim_score.load_catalogue(self.write([entry(allowed="page", hardened="NONCE_LENGTH")]))[0]
        self.assertEqual(ok["hardened"], "NONCE_LENGTH")
        for bad in ("credentials are compared exactly", "EMPTY_ID_LINE"):  # free text; another scheme's property
            with self.subTest(bad):
                with self.assertRaisesRegex(shim_score.CatalogueError, "is no property in the `hardened` tables"):
                    shim_score.load_catalogue(self.write([entry(allowed="page", hardened=bad)]))

    def test_every_hardened_property_has_a_mutant(self):
        mutants = shim_score.load_catalogue(shim_score.DEFAULT_CATALOGUE)
        covered = {(s, m["hardened"]) for m in mutants if "hardened" in m for s in m["run"]}
        for scheme, properties in shim_score.hardened_properties().items():
            for prop in properties:
                self.assertIn((scheme, prop), covered, f"no mutant of {scheme}'s hardened property {prop}")

    def test_lines_join_with_lf(self):
        m = shim_score.load_catalogue(self.write([entry(find=["a", "b"], replace=["c"])]))[0]
        self.assertEqual((m["find"], m["replace"]), ("a\nb", "c"))

    def test_a_must_pass_mutant_is_seen_answering_otherwise_only_where_it_differs(self):
        mutants = {m["id"]: m for m in shim_score.load_catalogue(shim_score.DEFAULT_CATALOGUE)}
        lines = shim_score.vector_cases({"hmac-sha256"})["hmac-sha256"]
        base = shim_score.answers(shim_score.DEFAULT_SHIM_DIR, lines)
        self.assertEqual(len(base), len(lines))
        mutant = self.patched_copy(mutants["hmac-scheme-case-insensitive"])
        changed = sorted(i for i, a in shim_score.answers(mutant, lines).items() if base[i] != a)
        self.assertEqual(changed, ["hmac-sha256/verify/045"])

    def test_only_the_graded_part_of_an_answer_counts(self):
        g = shim_score.graded
        self.assertEqual(g({"id": "x", "error": {"code": "A", "message": "one"}}),
                         g({"id": "x", "error": {"code": "A", "message": "two"}}))
        self.assertNotEqual(g({"error": {"code": "A"}}), g({"error": {"code": "B"}}))
        self.assertNotEqual(g({"output": {"a": 1}}), g({"output": {"a": 2}}))

    def test_the_profile_decides_what_a_mutant_is(self):
        bug, allowed, hardened = entry(), entry(allowed="page"), entry(allowed="page", hardened="property")
        self.assertEqual([shim_score.kind(m, "conformance") for m in (bug, allowed, hardened)],
                         ["bug", "must-pass", "must-pass"])
        self.assertEqual([shim_score.kind(m, "hardened") for m in (bug, allowed, hardened)],
                         ["bug", "must-pass", "bug"])


if __name__ == "__main__":
    unittest.main()
