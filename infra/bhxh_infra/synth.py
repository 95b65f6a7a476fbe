"""Synthesise without the CDK CLI: ``python -m bhxh_infra.synth [--outdir DIR] key=value ...``.

Used by ``make infra-test`` to write the template that cfn-lint and checkov read.
The ``key=value`` pairs are context, as ``-c key=value`` would be for ``cdk synth``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import build_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outdir", default="cdk.out", help="cloud assembly directory (default cdk.out)")
    parser.add_argument("context", nargs="*", help="context values, key=value")
    args = parser.parse_args(argv)
    context = {}
    for pair in args.context:
        key, sep, value = pair.partition("=")
        if not sep:
            parser.error(f"context must be key=value, not {pair!r}")
        context[key] = value
    app, stack = build_app(context, outdir=args.outdir)
    assembly = app.synth()
    template = Path(assembly.directory) / stack.template_file
    print(template)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
