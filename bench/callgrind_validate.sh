#!/bin/bash
# Instructions per document (valgrind's callgrind; steady on a shared machine, unlike wall time)
# of `gateway validate --jobs 1 --format json` and of the bare lxml parse + XSD loop of
# bench_validate.py (b), over a corpus of bench/corpus.py. Each is run on one document and on
# all of them; the difference divided by the documents less one is the cost of a document, the
# one-document run the start-up. Bytecode is cached first (as an install does, decision 0011).
#
#   bench/callgrind_validate.sh [COUNT]      (default 300 documents; about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export -n PYTHONDONTWRITEBYTECODE
unset PYTHONDONTWRITEBYTECODE
py=.venv/bin/python
$py -c "import sys; sys.path.insert(0, 'bench'); from pathlib import Path; from corpus import write_corpus; write_corpus(Path('$work/all'), $count)"
mkdir "$work/one" && cp "$work/all/cnf-000000.xml" "$work/one/"
cat > "$work/bare.py" <<'PY'
import sys
from pathlib import Path

from lxml import etree

files = sorted(Path(sys.argv[1]).glob("*.xml"))
parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
schema = etree.XMLSchema(etree.parse("schemas/rta/R7/AddClaim_ClaimData-v3.8.xsd", parser))
for path in files:
    schema.validate(etree.fromstring(path.read_bytes(), parser))
PY
cli() { $py -m gateway.validation.cli validate "$1" --jobs 1 --format json --sent-date 2026-11-24 --service rta --release R7; }
cli "$work/all" >/dev/null 2>&1 || true  # writes the bytecode of every module a run imports
measure() {  # measure NAME COMMAND...: total instructions
    valgrind --tool=callgrind --callgrind-out-file="$work/$1.out" "${@:2}" >/dev/null 2>&1 || true
    awk '/^summary:/ {print $2}' "$work/$1.out"
}
cli_one=$(measure cli1 $py -m gateway.validation.cli validate "$work/one" --jobs 1 --format json --sent-date 2026-11-24 --service rta --release R7)
cli_all=$(measure clin $py -m gateway.validation.cli validate "$work/all" --jobs 1 --format json --sent-date 2026-11-24 --service rta --release R7)
bare_one=$(measure bare1 $py "$work/bare.py" "$work/one")
bare_all=$(measure baren $py "$work/bare.py" "$work/all")
python3 - "$count" "$cli_one" "$cli_all" "$bare_one" "$bare_all" <<'PY'
import sys
n, cli_one, cli_all, bare_one, bare_all = map(int, sys.argv[1:])
a = (cli_all - cli_one) / (n - 1)
b = (bare_all - bare_one) / (n - 1)
print(f"gateway validate --jobs 1: {a / 1e6:.3f} M instructions a document, start-up {cli_one / 1e6:.0f} M")
print(f"bare lxml parse + XSD    : {b / 1e6:.3f} M instructions a document")
print(f"a/b per document {b / a:.3f}; over 10,000 documents with the CLI's start-up "
      f"(as bench_validate.py times them) {10_000 * b / (cli_one + 9_999 * a):.3f}")
PY
