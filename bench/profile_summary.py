"""Where a py-spy profile's samples went: the functions with the most samples
inside them (inclusive) and on top of the stack (self), as % of all samples.

    py-spy record --pid PID --format speedscope --output ledger.json   (or bench.ledger_vouchers --profile)
    .venv/bin/python -m bench.profile_summary ledger.json [--top 40] [--match servicekit/]

`--match TEXT` keeps only the functions whose file or name contains TEXT, to see
what one package costs in all (each sample counted once per function).
"""
import argparse
import json
from collections import Counter


def summarize(path, lines=False):
    """(total samples, inclusive Counter, self Counter) keyed by "function (file)",
    or "function (file:line)" with `lines`."""
    with open(path) as handle:
        data = json.load(handle)
    frames = data["shared"]["frames"]
    labels = [f"{f['name']} ({_short(f.get('file', ''))}" + (f":{f.get('line', '')})" if lines else ")")
              for f in frames]
    total = 0
    inclusive, on_top = Counter(), Counter()
    for profile in data["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"]):
            total += weight
            if stack:
                on_top[labels[stack[-1]]] += weight
            for label in {labels[i] for i in stack}:
                inclusive[label] += weight
    return total, inclusive, on_top


def _short(file):
    for marker in ("site-packages/", "/work/main/", "/tmp/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="")
    parser.add_argument("--lines", action="store_true", help="one row per line, not per function")
    args = parser.parse_args()
    total, inclusive, on_top = summarize(args.profile, args.lines)
    print(f"{total:.0f} samples (seconds, with py-spy's speedscope output)")
    for title, counter in (("inclusive", inclusive), ("self", on_top)):
        print(f"\n-- {title}")
        rows = [(label, n) for label, n in counter.most_common() if args.match in label][:args.top]
        for label, n in rows:
            print(f"{100 * n / total:6.1f}%  {label}")


if __name__ == "__main__":
    main()
