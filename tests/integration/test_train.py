"""Proves, with the real binary on tiny models and a few steps:
- `aipipe train ocr` trains on `aipipe datagen --lines` crops and writes model.safetensors
  (with its model card), card.json, a checkpoint and a run dir (params.json, metrics.jsonl);
- a run killed by SIGKILL right after a checkpoint and continued with --resume ends with
  bit-identical weights to an uninterrupted run with the same seed, also with --augment
  and when the resumed run uses another thread count;
- `aipipe train ocr --base MODEL` fine-tunes every parameter of a trained model: it keeps
  the model's shape (whatever the shape flags say) and starts from its weights;
- `aipipe train lora` writes only the adapter (PEFT tensor names, far fewer parameters than
  the base) and `aipipe train merge` folds it into a servable model;
- `aipipe train distill` trains a smaller student from a teacher;
- `--head bigru` trains the recurrent head (bit-identical at 1 and 2 threads, with
  augmentation), names it in the model card and takes LoRA adapters on its GRU matrices;
- `aipipe train eval` scores a model, characters outside its charset as errors (not
  skipped); bad arguments exit 2;
- the trainer's own validation figure is `train eval`'s for the same model and lines (long
  lines unsqueezed, each line at its own width);
- `aipipe train lm` counts a character prior from the data's lines into MODEL/lm.safetensors
  (its order, beam and weight in the metadata), and `train eval --beam --lm` decodes with it."""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN  # noqa: E402

TINY = ["--height", "16", "--conv", "4,4,8,8", "--dim", "8", "--blocks", "1", "--kernel", "3",
        "--batch", "4", "--max-width", "96", "--eval-samples", "8", "--threads", "1",
        "--seed", "3", "--warmup", "2", "--lr", "0.01"]


def run(args, env=None, expect=0):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=600)
    if expect is not None and p.returncode != expect:
        raise AssertionError(f"{args}: exit {p.returncode}, wanted {expect}\n{p.stderr[-2000:]}")
    return p


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))


def tensors(path):
    """name -> list of float32 values of a safetensors file"""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
        body = f.read()
    return {k: struct.unpack(f"<{(v['data_offsets'][1] - v['data_offsets'][0]) // 4}f",
                             body[v["data_offsets"][0]:v["data_offsets"][1]])
            for k, v in h.items() if k != "__metadata__"}


def main():
    tmp = tempfile.mkdtemp(prefix="aipipe-train-")
    try:
        data = os.path.join(tmp, "data")
        run(["datagen", "--count", "2", "--seed", "5", "--out", data, "--lines", "--quiet",
             "--jobs", "1"])
        assert os.path.exists(os.path.join(data, "lines", "train.jsonl"))

        full = os.path.join(tmp, "full")
        run(["train", "ocr", "--data", data, "--out", full, "--steps", "6",
             "--checkpoint-every", "2", "--eval-every", "3", *TINY])
        for f in ("model.safetensors", "card.json", "checkpoint.safetensors",
                  "run/params.json", "run/metrics.jsonl"):
            assert os.path.exists(os.path.join(full, f)), f
        meta = header(os.path.join(full, "model.safetensors"))["__metadata__"]
        assert meta["architecture"] == "crnn-ctc-v1" and meta["input_height"] == "16"
        assert meta["charset"] and meta["training_data_hash"].startswith("fnv1a64:")
        assert "metric.val_cer" in meta
        lines = open(os.path.join(full, "run", "metrics.jsonl")).read().splitlines()
        assert len(lines) == 6 and "val_cer" in json.loads(lines[2])

        # kill -9 after the checkpoint of step 4, then resume
        part = os.path.join(tmp, "part")
        p = run(["train", "ocr", "--data", data, "--out", part, "--steps", "6",
                 "--checkpoint-every", "2", "--eval-every", "3", *TINY],
                env={"AIPIPE_TRAIN_CRASH_AT": "4"}, expect=None)
        assert p.returncode in (-signal.SIGKILL, 128 + 9), p.returncode
        assert not os.path.exists(os.path.join(part, "model.safetensors"))
        p = run(["train", "ocr", "--data", data, "--out", part, "--steps", "6",
                 "--checkpoint-every", "2", "--eval-every", "3", "--resume", *TINY])
        assert "resumed at step 4" in p.stderr, p.stderr[-500:]
        a = open(os.path.join(full, "model.safetensors"), "rb").read()
        b = open(os.path.join(part, "model.safetensors"), "rb").read()
        assert a == b, "resumed weights differ from the uninterrupted run"

        # the same with augmentation, killed at one thread and resumed at two: the batch's
        # augmentation is drawn from (seed, step) and every layer splits its work so that
        # the thread count cannot change a bit
        aug = [*TINY, "--augment", "true"]
        fa, pa = os.path.join(tmp, "full_aug"), os.path.join(tmp, "part_aug")
        run(["train", "ocr", "--data", data, "--out", fa, "--steps", "6", "--checkpoint-every",
             "2", "--eval-every", "3", *aug])
        p = run(["train", "ocr", "--data", data, "--out", pa, "--steps", "6", "--checkpoint-every",
                 "2", "--eval-every", "3", *aug], env={"AIPIPE_TRAIN_CRASH_AT": "4"}, expect=None)
        assert p.returncode in (-signal.SIGKILL, 128 + 9), p.returncode
        run(["train", "ocr", "--data", data, "--out", pa, "--steps", "6", "--checkpoint-every",
             "2", "--eval-every", "3", "--resume", *aug, "--threads", "2"])
        a = open(os.path.join(fa, "model.safetensors"), "rb").read()
        b = open(os.path.join(pa, "model.safetensors"), "rb").read()
        assert a == b, "augmented run resumed at 2 threads differs from the uninterrupted one"

        # a full fine-tune from a trained model: its shape (not the flags'), its weights as
        # the start (a learning rate near zero leaves them within a hair of the base's)
        ft = os.path.join(tmp, "ft")
        run(["train", "ocr", "--base", full, "--data", data, "--out", ft, "--steps", "2", *TINY,
             "--lr", "1e-7", "--dim", "12"])
        card = json.load(open(os.path.join(ft, "card.json")))
        base_card = json.load(open(os.path.join(full, "card.json")))
        assert card["base_model"] == full and card["dim"] == 8, card
        assert card["trained_parameters"] == base_card["trained_parameters"]
        tb, tf = tensors(os.path.join(full, "model.safetensors")), \
            tensors(os.path.join(ft, "model.safetensors"))
        assert tb.keys() == tf.keys()
        drift = max(abs(x - y) for k in tb for x, y in zip(tb[k], tf[k]))
        assert drift < 1e-4, drift

        # LoRA: adapter alone, PEFT names, small; merge
        lora = os.path.join(tmp, "lora")
        run(["train", "lora", "--base", full, "--data", data, "--out", lora, "--steps", "3",
             "--rank", "2", "--alpha", "4", "--dropout", "0.1", "--targets", "proj,head",
             "--merge", *TINY])
        h = header(os.path.join(lora, "adapter_model.safetensors"))
        names = sorted(k for k in h if k != "__metadata__")
        assert names == ["base_model.model.head.lora_A.weight", "base_model.model.head.lora_B.weight",
                         "base_model.model.proj.lora_A.weight", "base_model.model.proj.lora_B.weight"], names
        cfg = json.load(open(os.path.join(lora, "adapter_config.json")))
        assert cfg["r"] == 2 and cfg["peft_type"] == "LORA"
        assert os.path.exists(os.path.join(lora, "merged", "model.safetensors"))
        run(["train", "merge", "--base", full, "--adapter", lora, "--out", os.path.join(tmp, "m2")])
        assert open(os.path.join(tmp, "m2", "model.safetensors"), "rb").read() == \
            open(os.path.join(lora, "merged", "model.safetensors"), "rb").read()

        # distillation into a smaller student
        student = os.path.join(tmp, "student")
        run(["train", "distill", "--teacher", full, "--data", data, "--out", student,
             "--steps", "3", "--student-conv", "2,2,4,4", "--student-dim", "6",
             "--student-blocks", "1", *TINY])
        card = json.load(open(os.path.join(student, "card.json")))
        assert card["job"] == "distill" and card["conv_channels"] == [2, 2, 4, 4]

        # the bigru head: same bytes at one and two threads; card; LoRA on its GRU matrices
        gru = [*TINY, "--head", "bigru", "--augment", "true"]  # a later flag overrides TINY's
        g1, g2 = os.path.join(tmp, "gru1"), os.path.join(tmp, "gru2")
        run(["train", "ocr", "--data", data, "--out", g1, "--steps", "4", "--eval-every", "2",
             *gru])
        run(["train", "ocr", "--data", data, "--out", g2, "--steps", "4", "--eval-every", "2",
             *gru, "--threads", "2"])
        a = open(os.path.join(g1, "model.safetensors"), "rb").read()
        assert a == open(os.path.join(g2, "model.safetensors"), "rb").read(), \
            "bigru run at 2 threads differs from 1 thread"
        h = header(os.path.join(g1, "model.safetensors"))
        assert h["__metadata__"]["head"] == "bigru" and "blocks.0.gru.bwd.hh.weight" in h
        assert json.load(open(os.path.join(g1, "card.json")))["head"] == "bigru"
        gl = os.path.join(tmp, "gru_lora")
        run(["train", "lora", "--base", g1, "--data", data, "--out", gl, "--steps", "2",
             "--rank", "2", "--alpha", "4", "--targets", "blocks.0.gru.fwd.ih,blocks.0.gru.bwd.hh",
             "--merge", *gru])
        names = sorted(k for k in header(os.path.join(gl, "adapter_model.safetensors"))
                       if k != "__metadata__")
        assert names == ["base_model.model.blocks.0.gru.bwd.hh.lora_A.weight",
                         "base_model.model.blocks.0.gru.bwd.hh.lora_B.weight",
                         "base_model.model.blocks.0.gru.fwd.ih.lora_A.weight",
                         "base_model.model.blocks.0.gru.fwd.ih.lora_B.weight"], names
        p = run(["train", "eval", "--base", os.path.join(gl, "merged"), "--data", data,
                 "--eval-samples", "5"])
        assert 0 <= json.loads(p.stdout)["cer"]

        p = run(["train", "eval", "--base", full, "--data", data, "--eval-samples", "5"])
        r = json.loads(p.stdout)
        assert 0 <= r["cer"] and r["ms_per_line"] > 0

        # the trainer's validation scores a model as `train eval` does: lines wider than the
        # training width (TINY's 96 columns at height 16) unsqueezed, each at its own width;
        # a LoRA step at a negligible rate leaves the base, so both figures must agree
        vd = os.path.join(tmp, "valonly")
        shutil.copytree(data, vd)
        # two documents give no val split: the test lines become the validation lines, and
        # without test.jsonl `train eval` reads val.jsonl too
        os.replace(os.path.join(vd, "lines", "test.jsonl"), os.path.join(vd, "lines", "val.jsonl"))
        val = [json.loads(l) for l in open(os.path.join(vd, "lines", "val.jsonl"), encoding="utf-8")]

        def png_size(path):
            with open(path, "rb") as f:
                return struct.unpack(">II", f.read(24)[16:24])

        def upright_width(e):
            w, h = png_size(os.path.join(vd, e["image"]))
            return w * 16 / h if e.get("rotation", 0) in (0, 180) else h * 16 / w

        assert any(upright_width(e) > 96 for e in val), "no validation line wider than TINY's width"
        vl = os.path.join(tmp, "valonly_lora")
        run(["train", "lora", "--base", full, "--data", vd, "--out", vl, "--steps", "1",
             *TINY, "--lr", "0.0000001", "--warmup", "0", "--eval-samples", "1000"])
        trainer = float(header(os.path.join(vl, "adapter_model.safetensors"))["__metadata__"]["metric.val_cer"])
        p = run(["train", "eval", "--base", full, "--data", vd, "--eval-samples", "1000"])
        assert abs(trainer - json.loads(p.stdout)["cer"]) < 1e-4, (trainer, p.stdout)

        # a character the model cannot emit is scored as an error, not skipped: a line of
        # four of them costs at least four edits
        charset = set(open(os.path.join(data, "lines", "charset.txt"), encoding="utf-8").read().split("\n"))
        alien = next(c for c in "\u00a7\u00b6\u00bf\u00a5" if c not in charset)
        e = json.loads(open(os.path.join(data, "lines", "test.jsonl"), encoding="utf-8").readline())
        odd = os.path.join(tmp, "odd", "lines")
        os.makedirs(odd)
        e["image"] = os.path.join(data, e["image"])
        e["text"] = alien * 4
        with open(os.path.join(odd, "test.jsonl"), "w", encoding="utf-8") as f:
            f.write(json.dumps(e) + "\n")
        p = run(["train", "eval", "--base", full, "--data", odd, "--eval-samples", "5"])
        assert json.loads(p.stdout)["cer"] >= 1.0, p.stdout

        run(["train", "lm", "--base", full, "--data", data])
        lm = os.path.join(full, "lm.safetensors")
        meta = header(lm)["__metadata__"]
        assert (meta["order"], meta["beam"], meta["weight"]) == ("4", "8", "0.4"), meta
        assert int(meta["corpus_lines"]) > 0 and meta["corpus_hash"].startswith("fnv1a64:"), meta
        p = run(["train", "eval", "--base", full, "--data", data, "--eval-samples", "5",
                 "--beam", "4", "--lm", lm, "--lm-weight", "0.5"])
        assert 0 <= json.loads(p.stdout)["cer"], p.stdout
        run(["train", "lm", "--base", full], expect=2)
        os.remove(lm)

        run(["train", "ocr", "--out", full], expect=2)
        run(["train", "nope"], expect=2)
        run(["train", "lora", "--data", data, "--out", lora], expect=2)
        run(["train", "ocr", "--data", data, "--out", full, "--lr", "abc"], expect=2)
        p = run(["train", "lora", "--base", os.path.join(tmp, "missing"), "--data", data,
                 "--out", lora, *TINY], expect=1)
        print("test_train: ok")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
