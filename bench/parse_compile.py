"""Front-end speed: parse + check + build IR + generate Pyro source (a script, not a test).

Run ``python -m bench.parse_compile`` from the repository root. It times the
whole front end on the bnlearn ``alarm`` network (37 variables, tables)
against pgmpy reading the same network from its BIF file, in the same run,
and on generated linear-Gaussian models of 50 and 500 variables; it prints
the ratio of the 500-variable time to the 50-variable time (linear growth
gives about 10; the target is under 15).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Callable

from bench.common import best_time
from bench.generate_linear import linear_chain_source
from causalppl.backends.pyro_codegen import generate
from causalppl.resources import stdlib_dir
from causalppl.semantics import check_program
from causalppl.semantics.lower import build_model
from causalppl.syntax import parse_program

REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def front_end(source: str) -> str:
    program = check_program(parse_program(source, "bench.scm"))
    return generate(build_model(program.model)).source


def pgmpy_alarm_reader() -> Callable[[], object] | None:
    try:
        import pgmpy
        from pgmpy.readwrite import BIFReader
    except ImportError:
        return None
    path = Path(pgmpy.__file__).parent / "utils" / "example_models" / "alarm.bif.gz"
    text = gzip.decompress(path.read_bytes()).decode()
    return lambda: BIFReader(string=text).get_model()


def main() -> None:
    alarm = (stdlib_dir() / "alarm.scm").read_text()
    ours = best_time(lambda: front_end(alarm), REPEATS, warmup=True)
    print(f"alarm (37 variables): parse+check+IR+codegen {ours * 1000:.1f} ms (target < 1000 ms)")
    reader = pgmpy_alarm_reader()
    if reader is not None:
        theirs = best_time(reader, max(3, REPEATS // 2), warmup=True)
        print(f"  pgmpy BIFReader.get_model on the same network: {theirs * 1000:.1f} ms "
              f"-> causalppl is {theirs / ours:.1f}x faster")
    small, large = linear_chain_source(50), linear_chain_source(500)
    t50 = best_time(lambda: front_end(small), REPEATS, warmup=True)
    t500 = best_time(lambda: front_end(large), max(3, REPEATS // 2), warmup=True)
    print(f"linear model  50 variables: {t50 * 1000:.1f} ms")
    print(f"linear model 500 variables: {t500 * 1000:.1f} ms")
    print(f"ratio 500/50: {t500 / t50:.1f} (linear growth ~10; target < 15)")


if __name__ == "__main__":
    main()
