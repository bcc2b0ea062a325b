"""Screening run: a few epochs of a variant on the SASRec ML-1M file, to compare validation curves before a full run.

    python bench/screen.py --out runs/screen-x --recipe softmax --epochs 20 [any option of `sasrec train`] [--record-only]

Trains (resuming a killed run in --out) and writes bench/records/screen-<out>.json: config, command, date, machine and the
validation curve (epoch, minutes, full-ranking HR@10 and NDCG@10). It never touches the test split's figures in the
record: screens choose what to run in full, on validation only.
"""
import argparse, json, os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _common import DEFAULT_DATA, load_snapshot, machine, utc_now  # noqa: E402


def main():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    from sasrec_nb.cli import _config_options, config_from
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", required=True)
    ap.add_argument("--record-only", action="store_true", help="write the record of a run already in --out")
    _config_options(ap)
    args = ap.parse_args()
    from sasrec_nb.data import load
    from sasrec_nb.training import read_history, train
    started, load_before = utc_now(), load_snapshot()
    if not args.record_only:
        d = Path(args.data)
        seqs = load(d / "ml-1m-sas" / "ml-1m.txt.xz", titles=d / "ml-1m" / "movies.dat.xz",
                    item_map=d / "ml-1m-sas" / "sas_to_original_items.txt.xz")
        train(seqs, config_from(args), args.out, verbose=2)
    h = read_history(args.out)
    h["minutes"] = h["seconds"].cumsum() / 60
    ev = h.dropna(subset=["val_ndcg@10"])
    record = dict(run=os.path.relpath(args.out, ROOT), command=" ".join(["python bench/screen.py", *sys.argv[1:]]),
                  started=started, finished=utc_now(), machine=machine(), background=load_before,
                  config=json.loads((Path(args.out) / "config.json").read_text()),
                  val_curve=[[int(r.epoch) + 1, round(r.minutes, 2), round(r["val_hr@10"], 4), round(r["val_ndcg@10"], 4)]
                             for _, r in ev.iterrows()])
    path = ROOT / "bench" / "records" / f"screen-{Path(args.out).name.removeprefix('screen-')}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(path.relative_to(ROOT), json.dumps(record["val_curve"]))


if __name__ == "__main__":
    main()
