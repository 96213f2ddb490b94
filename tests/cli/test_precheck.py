"""Options of config groups checked on the command line, in plain and sweep overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.compose import CONF_DIR
from sim.cli.precheck import unknown_option, unparsable

POLICIES = "disagreement, learning, none, phased, random"


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (["policy=random", "experts=panel", "budget.expert_hours=1,2"], None),
        (["policy=bogus"], f"policy='bogus': expected one of {POLICIES}"),
        (["-m", "policy=random,bogus"], f"policy='bogus': expected one of {POLICIES}"),
        (["policy=choice(phased,nope)"], f"policy='nope': expected one of {POLICIES}"),
        (["+sweep=nope"], "sweep='nope': expected one of cost_vs_error, downstream_per_dollar,"),
        (["--cfg", "job", "downstream=bogus"], "downstream='bogus': expected one of medcalc, none"),
        (["hydra/sweeper=optuna", "~policy", "policy=glob(*)"], None),
        (["policy=random,", "budget=("], None),  # does not parse: Hydra says why
        # options in folders the command line adds are Hydra's to find
        (["scenario=mine", "hydra.searchpath=[file:///somewhere/my_conf]"], None),
        (["+sweep=mine", "--config-dir", "/somewhere/my_conf"], None),
    ],
)
def test_an_option_a_group_lacks_is_named(overrides: list[str], problem: str | None) -> None:
    found = unknown_option(Path(CONF_DIR), overrides)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["-m", "policy=random,phased", "--cfg", "job", "--info", "searchpath", "a.b=1"], None),
        (
            ["--config-dir", "/x", "policy"],
            "'policy': missing EQUAL at '<EOF>'; expected key=value",
        ),
        (["x=interval(0.5)"], "'x=interval(0.5)': TypeError while evaluating 'interval(0.5)'"),
        (
            ["sweep.objectives=[mean(r)]"],
            "'sweep.objectives=[mean(r)]': HydraException while evaluating 'mean(r)': Unknown",
        ),
        (["c=[q90(d)<>3]"], "'c=[q90(d)<>3]': cannot read the character at position 10;"),
    ],
)
def test_an_argument_hydra_cannot_read_is_named(arguments: list[str], problem: str | None) -> None:
    found = unparsable(arguments)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)
