"""Sign-in with the production Argon2id parameters: latency of ``login``, the
timing of its two failures (unknown user, wrong password), the timing of a
recovery request whose username and phone match against one whose do not,
and the DynamoDB calls of a login and of an authorized request (moto in-process)."""

from __future__ import annotations

import functools
import math
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .api_calls import ApiCalls, _operations, _service
from .env import IN_PROCESS_AWS, patched_env
from .report import Figure, Target, log

WRONG_PER_ACCOUNT = 3  # below the 5 failures that lock an account (a locked one takes another path)
RECOVERY_SAMPLES = 200  # per kind; a recovery request is a few milliseconds
EVEN = Target("between", 0.95, 1.05)  # issue 17, finding 7: medians within 5 %


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _holder(index: int) -> Any:
    from chalicelib.domain.account import CITIZEN, AccountHolder

    return AccountHolder(
        username=f"01{80_000_000 + index:08d}",
        full_name="Nguyễn Văn An",
        phone=f"+8491{index:07d}",
        email=f"nguoi.{index}@example.vn",
        identity_key=f"id#00108900{index:04d}",
        province_code="01",
        roles=(CITIZEN,),
    )


def run(quick: bool) -> list[Figure]:
    import argon2
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.config import load_settings
    from chalicelib.domain.errors import InvalidCredentialsError
    from chalicelib.services.issue_account import issue_account
    from chalicelib.services.sign_in import SignedIn, authorize, login
    from local.resources import create_all

    samples = 10 if quick else 20
    with patched_env(IN_PROCESS_AWS, remove=("AWS_ENDPOINT_URL", "AWS_PROFILE")), mock_aws():
        settings = load_settings()
        create_all(settings, boto3.session.Session())
        deps = bootstrap.Container(settings)  # the default Hasher: RFC 9106 low-memory Argon2id
        profile = argon2.profiles.RFC_9106_LOW_MEMORY
        now = datetime.now(UTC)

        def issue(index: int) -> tuple[str, str]:
            issued = issue_account(
                deps, _holder(index), now=now, source=f"bench#{index}", actor="bench", channel="office"
            )
            if argon2.extract_parameters(issued.account.password_hash) != profile:
                raise AssertionError(f"not the default Argon2 profile: {issued.account.password_hash[:40]}")
            return issued.account.username, issued.temporary_password

        username, password = issue(0)
        wrong_accounts = [issue(1 + n)[0] for n in range(math.ceil((samples + 1) / WRONG_PER_ACCOUNT))]
        wrong_tries = iter([name for name in wrong_accounts for _ in range(WRONG_PER_ACCOUNT)])
        unknown = iter(f"01{70_000_000 + n:08d}" for n in range(samples + 1))

        def success() -> SignedIn:
            return login(deps, username, password, datetime.now(UTC))

        def refused(name: str) -> None:
            try:
                login(deps, name, password + "x", datetime.now(UTC))
            except InvalidCredentialsError:
                return
            raise AssertionError(f"login of {name} with a wrong password succeeded")

        # Warm-up: clients, the first transaction, the dummy hash (made on first use).
        success()
        refused(next(unknown))
        refused(next(wrong_tries))

        calls = ApiCalls()
        times: dict[str, list[float]] = {"success": [], "unknown": [], "wrong": []}
        counts: dict[str, list[Counter[tuple[str, str]]]] = {"success": [], "unknown": [], "wrong": []}
        tokens: list[str] = []
        with calls.installed():

            def timed(kind: str, attempt: Any) -> Any:
                before = calls.snapshot()
                started = time.perf_counter()
                result = attempt()
                times[kind].append(time.perf_counter() - started)
                counts[kind].append(calls.since(before))
                return result

            for n in range(samples):
                attempts = [
                    ("success", success),
                    ("unknown", functools.partial(refused, next(unknown))),
                    ("wrong", functools.partial(refused, next(wrong_tries))),
                ]
                shift = n % 3  # rotate, so no kind always follows another
                for kind, attempt in attempts[shift:] + attempts[:shift]:
                    result = timed(kind, attempt)
                    if kind == "success":
                        tokens.append(result.token)
            recovery = _recovery_timing(deps, username, _holder(0).phone, RECOVERY_SAMPLES // (4 if quick else 1))
            authorized: list[Counter[tuple[str, str]]] = []
            for token in tokens:
                before = calls.snapshot()
                session = authorize(deps, f"Bearer {token}", datetime.now(UTC))
                authorized.append(calls.since(before))
                if session is None:
                    raise AssertionError("a fresh session was not authorized")
    log(
        "  login medians (ms): "
        + ", ".join(f"{kind} {statistics.median(values) * 1000:.0f}" for kind, values in times.items())
    )

    success_ms = [t * 1000 for t in times["success"]]
    per_login = [_service(c, "dynamodb") for c in counts["success"]]
    per_authorize = [_service(c, "dynamodb") for c in authorized]
    unknown_median, wrong_median = statistics.median(times["unknown"]), statistics.median(times["wrong"])
    hasher = f"argon2id m={profile.memory_cost} KiB, t={profile.time_cost}, p={profile.parallelism}"
    return [
        Figure(
            "login_latency_p50_ms",
            percentile(success_ms, 0.5),
            "ms",
            1,
            details={"samples_ms": [round(t, 1) for t in success_ms], "hasher": hasher, "backend": "moto in-process"},
        ),
        Figure("login_latency_p95_ms", percentile(success_ms, 0.95), "ms", 1, details={"logins": len(success_ms)}),
        Figure(
            "login_failure_latency_ratio",
            unknown_median / wrong_median,
            "x",
            target=EVEN,
            details={
                "unknown_user_median_ms": round(unknown_median * 1000, 1),
                "wrong_password_median_ms": round(wrong_median * 1000, 1),
                "unknown_user_ms": [round(t * 1000, 1) for t in times["unknown"]],
                "wrong_password_ms": [round(t * 1000, 1) for t in times["wrong"]],
                "unknown_user_operations": _operations(counts["unknown"]),
                "wrong_password_operations": _operations(counts["wrong"]),
            },
        ),
        recovery,
        Figure(
            "dynamodb_requests_per_login",
            statistics.fmean(per_login),
            "requests",
            target=Target("<=", 3),
            details={"logins": len(per_login), "max": max(per_login), "operations": _operations(counts["success"])},
        ),
        Figure(
            "dynamodb_requests_per_authorized_request",
            statistics.fmean(per_authorize),
            "requests",
            target=Target("<=", 1),
            details={"requests": len(per_authorize), "max": max(per_authorize), "operations": _operations(authorized)},
        ),
    ]


def _recovery_timing(deps: Any, username: str, phone: str, samples: int) -> Figure:
    """``request_recovery`` (what ``POST /v1/auth/recovery`` runs) with the right
    username and phone, with a wrong phone and with an unknown username,
    interleaved and rotated; the figure is the median of the matching pair over
    the median of the unknown username."""
    from chalicelib.services.recover_account import request_recovery

    national = "0" + phone.removeprefix("+84")
    bodies: dict[str, Callable[[int], dict[str, str]]] = {
        "match": lambda n: {"username": username, "phone": national},
        "wrong_phone": lambda n: {"username": username, "phone": f"098{n % 10_000_000:07d}"},
        "unknown_user": lambda n: {"username": f"01{60_000_000 + n:08d}", "phone": national},
    }
    calls = ApiCalls()
    times: dict[str, list[float]] = {kind: [] for kind in bodies}
    counts: dict[str, list[Counter[tuple[str, str]]]] = {kind: [] for kind in bodies}
    for body in bodies.values():  # warm-up
        request_recovery(deps, body(0), datetime.now(UTC))
    with calls.installed():
        kinds = list(bodies)
        for n in range(1, samples + 1):
            shift = n % 3
            for kind in kinds[shift:] + kinds[:shift]:
                payload = bodies[kind](n)
                before = calls.snapshot()
                started = time.perf_counter()
                request_recovery(deps, payload, datetime.now(UTC))
                times[kind].append(time.perf_counter() - started)
                counts[kind].append(calls.since(before))
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    log("  recovery request medians (ms): " + ", ".join(f"{k} {v * 1000:.2f}" for k, v in medians.items()))
    return Figure(
        "recovery_timing_ratio",
        medians["match"] / medians["unknown_user"],
        "x",
        target=EVEN,
        details={
            "requests_per_kind": samples,
            **{f"{kind}_median_ms": round(value * 1000, 3) for kind, value in medians.items()},
            "wrong_phone_ratio": round(medians["wrong_phone"] / medians["unknown_user"], 3),
            **{f"{kind}_operations": _operations(counts[kind]) for kind in bodies},
        },
    )
