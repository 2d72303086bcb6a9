"""The plateau rule on constructed validation curves, and the learning-curve record of a real run folder."""

import json

from leakyolo.compare.curves import plateau, read_curve, record


def test_a_flat_tail_has_plateaued_and_a_rising_one_has_not():
    flat = [min(0.6, 0.05 * e) for e in range(1, 41)]  # reaches 0.6 at epoch 12, flat after
    done = plateau(flat)
    assert done["plateaued"] and done["last_quarter_gain"] == 0.0 and done["plateau_epoch"] == 15  # 5-epoch mean within 1 point
    rising = [0.01 * e for e in range(1, 41)]  # still +1 point per epoch at the end
    still = plateau(rising)
    assert not still["plateaued"] and still["last_quarter_gain"] > 0.09 and still["plateau_epoch"] == 39
    assert plateau([0.1, 0.2, 0.3])["why"].startswith("3 epochs: too short")


def test_curve_record_of_a_run_folder(tmp_path):
    run = tmp_path / "digits-leakyolo-n-s0"
    run.mkdir()
    rows = ["epoch,time,  metrics/mAP50(B),  metrics/mAP50-95(B)"] + [f"{e},1.0,0.5,{0.03 * e:.2f}" for e in range(1, 13)]
    (run / "results.csv").write_text("\n".join(rows) + "\n")
    (run / "run.json").write_text(json.dumps({"model": "leakyolo-n", "seed": 0, "epochs": 12, "wall_seconds": 60.0,
                                              "dataset": {"name": "digits"}}))
    assert read_curve(run / "results.csv")[-1] == 0.36
    (t,) = record([run])["models"]
    assert (t["model"], t["seed"], t["dataset"], t["epochs"]) == ("leakyolo-n", 0, "digits", 12) and not t["plateaued"]


def trainings(model, curves):
    return [{"dataset": "d", "model": model, "seed": seed, "curve": c} for seed, c in enumerate(curves)]


def test_a_gap_settles_only_when_it_moved_less_than_the_seed_margin():
    from leakyolo.compare.curves import gap_table

    def rising(top, jitter=0.0):  # both still rising (neither plateaued), 40 epochs
        return [top * e / 40 + jitter for e in range(1, 41)]

    theirs = trainings("yolo26n", [rising(0.70, 0.005), rising(0.70, -0.005)])
    parallel = trainings("leakyolo-n", [rising(0.60, 0.005), rising(0.60, -0.005)])  # gap grows 0.25 points per epoch
    header, body = gap_table(theirs + parallel)
    assert body[0][:3] == ["d", "leakyolo-n vs yolo26n", "2"] and body[0][-1] == "still moving"  # -7.0 -> -9.5
    same = trainings("leakyolo-n", [[v - 0.05 for v in rising(0.70, 0.005)], [v - 0.05 for v in rising(0.70, -0.005)]])
    row = gap_table(theirs + same)[1][0]
    assert row[3:5] == ["-5.0 (epoch 30)", "-5.0"] and abs(float(row[5])) < 0.05 and row[6] == "±1.4"  # constant gap
    assert row[-1] == "settled"
    one_seed = gap_table(theirs + same[:1])[1][0]
    assert one_seed[-1] == "unconfirmed (one seed)"
    shorter = trainings("leakyolo-n", [rising(0.6)[:30]])  # other epochs: not comparable over "the last quarter"
    assert gap_table(theirs + shorter)[1] == []
