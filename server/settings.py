"""One frozen Settings object, read from the environment once at start-up."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _default_password_checks() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str = ""
    demo_password: str = "xuncha-demo"  # noqa: S105 - the documented password of the demo accounts
    # The bureau's clock: naive EXIF times and every page are read in this zone.
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh_CN"
    secure_cookies: bool = False
    debug: bool = False

    session_ttl_hours: int = 14 * 24
    token_ttl_hours: int = 30 * 24
    # Wrong passwords from one source for one username before that pair waits, and from
    # one source over all usernames before the source waits (see accounts/throttle.py).
    login_max_failures: int = 5
    login_source_max_failures: int = 30
    login_lockout_seconds: int = 60
    login_lockout_max_seconds: int = 15 * 60
    # Password checks running at once; more are answered 429 at once. One core fewer
    # than the machine has, so that one is always left to answer everything else.
    password_checks: int = field(default_factory=lambda: _default_password_checks())
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks, "*": any).
    trusted_proxies: tuple[str, ...] = ()
    # argon2id cost; tests lower it so that hundreds of logins stay quick.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024

    max_photo_bytes: int = 20 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    max_photos_per_check: int = 20
    photo_far_m: float = 200.0
    clock_skew_minutes: int = 10
    # Decoding is bounded by these, whatever arrives (server/photos/limits.py): decodes at once
    # (about the number of cores), the header pixels decoded at once (a 40 MP photo costs
    # 120-300 MB while decoded), uploads that may wait for a turn, and how long they may wait
    # before a 503 asks the phone to retry.
    photo_decode_slots: int = 2
    photo_decode_pixels: int = 48_000_000
    photo_decode_queue: int = 32
    photo_decode_wait_seconds: float = 30.0
    # Photos are acknowledged once their original is stored; their copies are made in the
    # background by this many workers per server process (0: only `xuncha photos process`),
    # which look for queued photos this often, and hold a claimed photo this long before
    # another worker may take it (a worker killed half-way).
    photo_workers: int = 1
    photo_queue_poll_seconds: float = 2.0
    photo_job_lease_seconds: float = 120.0
    # Where photo bytes live: "files" under the data directory, or "s3" (an S3-compatible object
    # store: MinIO, Ceph, a cloud's OSS), which several app machines can share.
    photo_store: str = "files"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = field(default="", repr=False)
    s3_region: str = ""
    # Parts of a plain (no-JavaScript) form: fields, one per checklist item and kind, and photos.
    max_form_parts: int = 500
    # A photo's own time further ahead of its arrival than this, or older than this, cannot be
    # true; it is kept as data and flagged.
    photo_time_ahead_hours: int = 24
    photo_time_max_age_days: int = 3653

    # The lead's desk (rectification workflow).
    rectification_far_m: float = 50.0
    duplicate_radius_m: float = 30.0
    duplicate_days: int = 7
    tile_url: str = ""
    tile_attribution: str = ""
    tile_crs: str = "wgs84"
    map_center: tuple[float, float] = (32.6293, 110.7981)
    deadline_sweep_seconds: int = 60
    token_purge_seconds: int = 3600
    # Complaints: a call-back is late this many days after the unit's investigation; a rating
    # link answers at most this many requests per client address per minute.
    callback_days: int = 3
    rating_requests_per_minute: int = 20
    # The unit assessment: the most votes one democratic evaluation of a unit may hold (the size
    # of the largest panel that votes), so a typing slip is refused rather than scored.
    max_evaluation_votes: int = 500
    # The composite score's weights of third-party supervision, service-recipient evaluation,
    # democratic evaluation and routine work (they must sum to 100), the lowest composites rated
    # excellent and qualified, and the points a finding of an unannounced check not rectified on
    # time takes off the third-party part (docs/scores.md).
    score_weights: tuple[int, int, int, int] = (30, 25, 35, 10)
    rating_bands: tuple[int, int] = (90, 70)
    late_finding_penalty: float = 5.0
    # The largest document a unit may attach to its answer to a rectification notice.
    max_document_bytes: int = 10 * 1024 * 1024
    # The year's calendar of duties: the largest document a unit may answer a duty with.
    max_duty_file_bytes: int = 20 * 1024 * 1024

    # Printed documents: the CJK TrueType font embedded in PDFs ("" searches the usual places) and
    # the address people reach the system at, printed with a QR code on every notice.
    pdf_font: str = ""
    public_url: str = ""

    # Login throttling and rate limits are counted in the database; a Redis URL here counts
    # them in Redis instead (several app machines, or to spare the database the writes).
    redis_url: str = ""

    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A misweighted score would rank every unit wrongly and quietly: refuse to start instead.
        if (
            len(self.score_weights) != 4
            or any(w < 0 for w in self.score_weights)
            or sum(self.score_weights) != 100
        ):
            raise ValueError(
                f"score_weights must be four weights of 0 or more that sum to 100, not {self.score_weights}"
            )
        excellent, qualified = self.rating_bands
        if not 0 <= qualified <= excellent <= 100:
            raise ValueError(
                f"rating_bands must be (excellent, qualified) with 0 <= qualified <= excellent <= 100, not {self.rating_bands}"
            )

    @property
    def sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def document_dir(self) -> Path:
        return self.data_dir / "documents"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        data_dir = Path(os.environ.get("XUNCHA_DATA_DIR", "data"))
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "database_url": os.environ.get("XUNCHA_DATABASE_URL", ""),
            "secret_key": os.environ.get("XUNCHA_SECRET_KEY", ""),
            "demo_password": os.environ.get("XUNCHA_DEMO_PASSWORD", "xuncha-demo"),
            "timezone": os.environ.get("XUNCHA_TIMEZONE", "Asia/Shanghai"),
            "secure_cookies": _env_bool("XUNCHA_SECURE_COOKIES", False),
            "debug": _env_bool("XUNCHA_DEBUG", False),
            "max_photo_bytes": _env_int("XUNCHA_MAX_PHOTO_BYTES", 20 * 1024 * 1024),
            "max_photo_pixels": _env_int("XUNCHA_MAX_PHOTO_PIXELS", 40_000_000),
            "photo_far_m": _env_float("XUNCHA_PHOTO_FAR_M", 200.0),
            "photo_decode_slots": _env_int("XUNCHA_PHOTO_DECODE_SLOTS", 2),
            "photo_decode_pixels": _env_int("XUNCHA_PHOTO_DECODE_PIXELS", 48_000_000),
            "photo_decode_queue": _env_int("XUNCHA_PHOTO_DECODE_QUEUE", 32),
            "photo_decode_wait_seconds": _env_float("XUNCHA_PHOTO_DECODE_WAIT_SECONDS", 30.0),
            "photo_workers": _env_int("XUNCHA_PHOTO_WORKERS", 1),
            "photo_queue_poll_seconds": _env_float("XUNCHA_PHOTO_QUEUE_POLL_SECONDS", 2.0),
            "photo_job_lease_seconds": _env_float("XUNCHA_PHOTO_JOB_LEASE_SECONDS", 120.0),
            "photo_store": os.environ.get("XUNCHA_PHOTO_STORE", "files").strip().lower(),
            "s3_endpoint_url": os.environ.get("XUNCHA_S3_ENDPOINT_URL", "").strip(),
            "s3_bucket": os.environ.get("XUNCHA_S3_BUCKET", "").strip(),
            "s3_access_key": os.environ.get("XUNCHA_S3_ACCESS_KEY", "").strip(),
            "s3_secret_key": os.environ.get("XUNCHA_S3_SECRET_KEY", "").strip(),
            "s3_region": os.environ.get("XUNCHA_S3_REGION", "").strip(),
            "rectification_far_m": _env_float("XUNCHA_RECTIFICATION_FAR_M", 50.0),
            "duplicate_radius_m": _env_float("XUNCHA_DUPLICATE_RADIUS_M", 30.0),
            "duplicate_days": _env_int("XUNCHA_DUPLICATE_DAYS", 7),
            "tile_url": os.environ.get("XUNCHA_TILE_URL", ""),
            "tile_attribution": os.environ.get("XUNCHA_TILE_ATTRIBUTION", ""),
            "tile_crs": os.environ.get("XUNCHA_TILE_CRS", "wgs84").lower(),
            "deadline_sweep_seconds": _env_int("XUNCHA_DEADLINE_SWEEP_SECONDS", 60),
            "callback_days": _env_int("XUNCHA_CALLBACK_DAYS", 3),
            "max_document_bytes": _env_int("XUNCHA_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024),
            "max_duty_file_bytes": _env_int("XUNCHA_MAX_DUTY_FILE_BYTES", 20 * 1024 * 1024),
            "pdf_font": os.environ.get("XUNCHA_PDF_FONT", "").strip(),
            "public_url": os.environ.get("XUNCHA_PUBLIC_URL", "").strip(),
            "redis_url": os.environ.get("XUNCHA_REDIS_URL", "").strip(),
            "token_purge_seconds": _env_int("XUNCHA_TOKEN_PURGE_SECONDS", 3600),
            "password_checks": _env_int("XUNCHA_PASSWORD_CHECKS", _default_password_checks()),
            "argon2_time_cost": _env_int("XUNCHA_ARGON2_TIME_COST", 3),
            "argon2_memory_kib": _env_int("XUNCHA_ARGON2_MEMORY_KIB", 64 * 1024),
            "login_max_failures": _env_int("XUNCHA_LOGIN_MAX_FAILURES", 5),
            "login_source_max_failures": _env_int("XUNCHA_LOGIN_SOURCE_MAX_FAILURES", 30),
            "trusted_proxies": tuple(
                p.strip() for p in os.environ.get("XUNCHA_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
        }
        values.update(overrides)
        return cls(**values).resolved()

    def resolved(self) -> Settings:
        """Fill in what depends on the data dir: the SQLite URL and the kept secret key."""
        data_dir = self.data_dir.resolve()
        database_url = self.database_url or f"sqlite+aiosqlite:///{data_dir / 'xuncha.db'}"
        secret_key = self.secret_key or _kept_secret(data_dir)
        if self.photo_store not in {"files", "s3"}:
            raise ValueError("XUNCHA_PHOTO_STORE must be files or s3")
        if self.photo_store == "s3" and not self.s3_bucket:
            raise ValueError(
                "XUNCHA_PHOTO_STORE=s3 needs XUNCHA_S3_BUCKET (and usually XUNCHA_S3_ENDPOINT_URL)"
            )
        if self.tile_crs not in {"wgs84", "gcj02"}:
            raise ValueError("XUNCHA_TILE_CRS must be wgs84 or gcj02")
        for proxy in self.trusted_proxies:
            if proxy != "*":
                try:
                    ipaddress.ip_network(proxy, strict=False)
                except ValueError:
                    raise ValueError(
                        f"XUNCHA_TRUSTED_PROXIES: {proxy!r} is not an address, a network or '*'"
                    ) from None
        public_url = self.public_url.rstrip("/")
        if public_url and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", public_url):
            raise ValueError("XUNCHA_PUBLIC_URL must be an address like https://xuncha.example.gov.cn")
        return replace(
            self, data_dir=data_dir, database_url=database_url, secret_key=secret_key, public_url=public_url
        )


def _kept_secret(data_dir: Path) -> str:
    # Generated once and kept, so sessions and tokens survive a restart.
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # Write aside, then link into place: a second worker starting at the same moment
    # either wins the link or reads a complete file, never a half-written one.
    tmp = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key
