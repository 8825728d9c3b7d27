"""The ``advisor`` command line: serve, migrate, eval, keys, patterns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advisor.commands.keys import keys_app
from advisor.commands.patterns import patterns_app
from advisor.commands.replay import replay
from advisor.demo.command import demo_app
from advisor.settings import Settings

app = typer.Typer(
    rich_markup_mode=None,
    help="advisor: ranked, pre-approved response suggestions for contact-centre agents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(rich_markup_mode=None, help="Evaluate ranking offline.", invoke_without_command=True)
app.add_typer(eval_app, name="eval")
app.add_typer(keys_app, name="keys")
app.add_typer(patterns_app, name="patterns")
app.add_typer(demo_app, name="demo")
app.command("replay")(replay)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: ADVISOR_PORT, 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes; default one per core on PostgreSQL, one on SQLite.", min=1),
    ] = None,
) -> None:
    """Run the HTTP service (migrates the store; seeds the demo tenant on first start)."""
    import uvicorn

    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    settings = settings.model_copy(update={"host": host, "port": port})
    from advisor.bootstrap import prepare_store
    from advisor.store.engine import make_engine

    engine = make_engine(settings.database_url)
    prepare_store(engine, settings)  # migrate and seed once, before workers start
    engine.dispose()
    from advisor.bootstrap import listening_banner
    from advisor.serving import choose_workers, http_stack, run_workers
    from advisor.telemetry.logs import configure_logging

    workers, why = choose_workers(settings.database_url, workers)
    print(f"advisor: {workers} worker(s) ({why}), {http_stack(settings.server.event_loop)}", flush=True)
    print(listening_banner(host, port), flush=True)
    configure_logging(settings.log.format, settings.log.level)
    if workers > 1:
        run_workers(host, port, workers, settings.shutdown_grace_s, settings.server.event_loop)
    else:
        from advisor.app import create_app

        uvicorn.run(
            create_app(settings, served=True),
            host=host,
            port=port,
            log_config=None,
            loop=settings.server.event_loop,
            timeout_graceful_shutdown=settings.shutdown_grace_s,
        )


@app.command("settings")
def settings_command() -> None:
    """Print every setting (environment variable, default, meaning) as a Markdown table."""
    from advisor.settings_table import settings_table

    print(settings_table(), end="")


@app.command()
def migrate() -> None:
    """Upgrade the store to the latest schema."""
    from advisor.store.engine import make_engine
    from advisor.store.migrate import upgrade

    upgrade(make_engine(Settings().database_url))
    print("store is at the latest schema")


@eval_app.callback()
def eval_run(
    ctx: typer.Context,
    patterns: Annotated[Path | None, typer.Option(help="Pattern file or directory.")] = None,
    cases: Annotated[Path | None, typer.Option(help="Cases as JSON lines.")] = None,
    k: Annotated[int, typer.Option(help="Suggestions per case.")] = 3,
    ranker: Annotated[
        str, typer.Option(help="'hybrid' (default) or 'baseline' (nearest-example vote).")
    ] = "hybrid",
    embedder: Annotated[
        str | None,
        typer.Option(
            help="Embedding model: minilm-static-cs (default), a model2vec directory, "
            "onnx-minilm-l6 or onnx-paraphrase-minilm-l3 (extra onnx)."
        ),
    ] = None,
    head: Annotated[
        bool | None,
        typer.Option(help="Fit the library head (default: the setting ranking.library_head, on)."),
    ] = None,
) -> None:
    """Replay labelled cases and print top1, top3, mrr, coverage, top1_when_answered and latency as JSON."""
    if ctx.invoked_subcommand is not None:
        return
    if patterns is None or cases is None:
        raise typer.BadParameter("--patterns and --cases are required")
    from advisor.evaluation import check_expected, evaluate, read_cases
    from advisor.patterns.files import load_patterns

    loaded = list(read_cases(cases))
    check_expected(loaded, {spec.id for spec in load_patterns(patterns)})
    chosen = _ranker(patterns, ranker, embedder, head=head)
    print(json.dumps(evaluate(chosen, loaded, k=k)))


def _ranker(  # type: ignore[no-untyped-def]
    patterns: Path, kind: str, embedder_name: str | None, *, fresh: bool = False, head: bool | None = None
):
    from advisor.patterns.files import load_patterns
    from advisor.ranking.baseline import NearestExampleVote
    from advisor.ranking.conversation import StateModel
    from advisor.ranking.embedding import limit_blas_threads, make_embedder
    from advisor.ranking.rank import HybridRanker

    limit_blas_threads()
    settings = Settings()
    specs = load_patterns(patterns)
    embedder = make_embedder(embedder_name or settings.ranking.embedder)
    if kind == "baseline":
        return NearestExampleVote(specs, embedder)
    return HybridRanker(
        specs,
        embedder,
        threshold=settings.ranking.escalate_below,
        candidates=settings.ranking.candidates,
        state_model=StateModel() if fresh else None,
        library_head=settings.ranking.library_head if head is None else head,
    )


@eval_app.command("build-fewshot")
def eval_build_fewshot(
    csv_path: Annotated[Path, typer.Option("--csv", help="Labelled utterances: text,category.")],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    shots: Annotated[int, typer.Option(help="Examples per category.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Turn a labelled CSV into a few-shot pattern pack (OUT/patterns) and eval cases (OUT/cases.jsonl)."""
    from advisor.evaluation import build_fewshot

    print(json.dumps(build_fewshot(csv_path, shots, seed, out)))


def _labelled(  # type: ignore[no-untyped-def]
    patterns: list[Path], cases: list[Path], *, head: bool, embedder: str | None, fresh: bool = False
):
    """Yield (ranker over a pack, its labelled cases) for each --patterns/--cases pair."""
    from advisor.evaluation import read_cases

    for pattern_dir, case_file in zip(patterns, cases, strict=True):
        yield _ranker(pattern_dir, "hybrid", embedder, fresh=fresh, head=head), list(read_cases(case_file))


def _fitted_for(name: str, *, head: bool, embedder: str | None) -> Path:
    """Where a fit is written: the plain shipped file for the default embedder, else the embedder's own."""
    from advisor.ranking.weights_file import fitted_file

    own = embedder if embedder and embedder != Settings().ranking.embedder else None
    return fitted_file(name, head=head, embedder=own, exists=False)


HeadOption = Annotated[
    bool,
    typer.Option(
        help="Fit for rankers with the library head (--head, the default ranker) or without it (--no-head)."
    ),
]
FitEmbedderOption = Annotated[
    str | None,
    typer.Option(
        "--embedder",
        help="Fit for this embedder (default: the setting); another than the default gets its own file.",
    ),
]


@eval_app.command("calibrate")
def eval_calibrate(
    patterns: Annotated[list[Path], typer.Option(help="Pattern dir (repeat, paired with --cases).")],
    cases: Annotated[list[Path], typer.Option(help="Cases file (repeat, paired with --patterns).")],
    out: Annotated[Path | None, typer.Option(help="Where to write the calibration JSON.")] = None,
    head: HeadOption = True,
    embedder: FitEmbedderOption = None,
) -> None:
    """Fit the confidence calibration (and so the escalation detector) on labelled dev cases.

    It is the topic's probability (a topic's alternatives share it afterwards), so fit it on packs with
    one pattern per intent, as bench/fit_models.sh does.
    """
    import numpy as np

    from advisor.evaluation import confidence_features
    from advisor.ranking.calibration import fit

    rows: list[tuple[float, ...]] = []
    right: list[float] = []
    for ranker, labelled in _labelled(patterns, cases, head=head, embedder=embedder):
        r, ok = confidence_features(ranker, labelled)
        rows += r
        right += ok
    fitted_on = ", ".join(str(c) for c in cases)
    calibration = fit(np.asarray(rows, dtype=np.float64), np.asarray(right), fitted_on=fitted_on)
    calibration.save(out or _fitted_for("calibration", head=head, embedder=embedder))
    print(json.dumps({"weights": calibration.weights, "bias": calibration.bias, "n": calibration.n}))


@eval_app.command("fit-state")
def eval_fit_state(
    patterns: Annotated[list[Path], typer.Option(help="Pattern dir (repeat, paired with --cases).")],
    cases: Annotated[list[Path], typer.Option(help="Cases: the intent active at each turn (repeatable).")],
    out: Annotated[Path | None, typer.Option(help="Where to write the state model JSON.")] = None,
    head: HeadOption = True,
    embedder: FitEmbedderOption = None,
) -> None:
    """Fit the conversation-state model on labelled (multi-turn) cases and write conversation.json."""
    from advisor.evaluation import state_sequences
    from advisor.ranking.conversation import fit

    groups = [
        (state_sequences(ranker, labelled), ranker.topic_vectors)
        for ranker, labelled in _labelled(patterns, cases, head=head, embedder=embedder, fresh=True)
    ]
    model = fit(groups, fitted_on=", ".join(str(c) for c in cases))
    model.save(out or _fitted_for("conversation", head=head, embedder=embedder))
    print(json.dumps({"weights": model.weights, "n": model.n}))


def main() -> None:
    """Entry point of the ``advisor`` script; advisor's own errors print one clear line, not a traceback."""
    from advisor.errors import AdvisorError

    try:
        app()
    except (AdvisorError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
