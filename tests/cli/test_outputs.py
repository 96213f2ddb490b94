"""Where the commands outside the Hydra app write."""

from __future__ import annotations

from pathlib import Path

from sim.cli.outputs import output_folder


def test_the_folder_follows_the_last_output_dir_override() -> None:
    assert output_folder([], "studies") == Path("outputs") / "studies"
    assert output_folder(["replications=3"], "downstream") == Path("outputs") / "downstream"
    assert output_folder(["output.dir=/a", "seed=2", "output.dir=/b"], "x") == Path("/b/x")
    assert output_folder(["+output.dir=rel"], "studies") == Path("rel/studies")
    assert output_folder(["output.dirt=/no"], "x") == Path("outputs/x")
