"""The embedding progress line: an honest time left when later texts cost more."""

import io

from qa.progress import TimeLeft, _PlainLines, describe_time_left


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_batches(estimate: TimeLeft, clock: Clock, costs: list[float], batch: int = 64) -> list[tuple[float, float | None]]:
    """Feed batches whose per-text cost is `costs[i]`; returns (true seconds left, estimate) after each."""
    total = batch * len(costs)
    estimate.update(0, total)
    remaining = [sum(costs[i:]) * batch for i in range(len(costs) + 1)]
    seen = []
    for i, cost in enumerate(costs):
        clock.now += cost * batch
        estimate.update((i + 1) * batch, total)
        seen.append((remaining[i + 1], estimate.seconds()))
    return seen


def test_texts_that_get_longer_are_not_promised_the_early_rate():
    # Texts are embedded shortest first: each batch costs more per text than the last.
    clock = Clock()
    costs = [0.04 + 0.01 * i for i in range(20)]
    seen = run_batches(TimeLeft(clock), clock, costs)
    truth, estimate = seen[4]  # a quarter of the way in
    average_rate_estimate = sum(costs[:5]) / 5 * (15 * 64)  # the mean cost so far times the texts left
    assert average_rate_estimate < 0.5 * truth  # what the old line said
    assert 0.85 * truth <= estimate <= 1.15 * truth


def test_a_steady_rate_gives_the_plain_division():
    clock = Clock()
    seen = run_batches(TimeLeft(clock), clock, [0.05] * 10)
    for truth, estimate in seen[2:-1]:
        assert abs(estimate - truth) < 1e-6


def test_nothing_is_estimated_before_the_first_batch_and_a_new_run_starts_over():
    clock = Clock()
    estimate = TimeLeft(clock)
    estimate.update(0, 640)
    assert estimate.seconds() is None and describe_time_left(None) == "estimating time left"
    clock.now = 1.0
    estimate.update(64, 640)
    assert estimate.seconds() == 9.0
    estimate.update(0, 100)  # the next build in the same process
    assert estimate.seconds() is None and estimate.done == 0


def test_time_left_reads_as_a_person_would_say_it():
    assert describe_time_left(4.2) == "about 4 s left"
    assert describe_time_left(47) == "about 45 s left"
    assert describe_time_left(200) == "about 3 min left"


def test_plain_lines_every_few_seconds_and_a_last_line_without_an_estimate():
    clock = Clock()
    out = io.StringIO()
    lines = _PlainLines(out, clock)
    lines(0, 192)
    for done in (64, 128, 192):
        clock.now += 3.0
        lines(done, 192)
    assert out.getvalue().splitlines() == [
        "qa: embedded 128/192 texts (21/s, about 3 s left)",
        "qa: embedded 192/192 texts",
    ]
