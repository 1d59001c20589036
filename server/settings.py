"""One frozen Settings object, read from the environment once at start-up."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    # An empty variable keeps the default, as an unset one does.
    return lambda raw: kind(raw) if raw != "" else None


INT, FLOAT = _number(int), _number(float)


def _flag(raw: str) -> bool | None:
    return raw.strip().lower() in {"1", "true", "yes", "on"} if raw != "" else None


def _proxies(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _word(raw: str) -> str:
    return raw.strip().lower()


def _default_password_checks() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def env(variable: str, default: Any = MISSING, read: Callable[[str], Any] = str, **options: Any) -> Any:
    """A setting that the environment variable `variable` sets, its text read by `read` (which
    answers None to keep the default); `from_env` reads them all."""
    return field(default=default, metadata={"env": (variable, read)}, **options)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = env("XUNCHA_DATA_DIR", Path("data"), Path)
    database_url: str = env("XUNCHA_DATABASE_URL", "")
    secret_key: str = env("XUNCHA_SECRET_KEY", "")
    demo_password: str = env("XUNCHA_DEMO_PASSWORD", "xuncha-demo")
    # The bureau's clock: naive EXIF times and every page are read in this zone.
    timezone: str = env("XUNCHA_TIMEZONE", "Asia/Shanghai")
    default_language: str = "zh_CN"
    secure_cookies: bool = env("XUNCHA_SECURE_COOKIES", False, _flag)
    debug: bool = env("XUNCHA_DEBUG", False, _flag)

    session_ttl_hours: int = 14 * 24
    token_ttl_hours: int = 30 * 24
    # Wrong passwords from one source for one username before that pair waits, and from
    # one source over all usernames before the source waits (see accounts/throttle.py).
    login_max_failures: int = env("XUNCHA_LOGIN_MAX_FAILURES", 5, INT)
    login_source_max_failures: int = env("XUNCHA_LOGIN_SOURCE_MAX_FAILURES", 30, INT)
    login_lockout_seconds: int = 60
    login_lockout_max_seconds: int = 15 * 60
    # Password checks running at once; more are answered 429 at once. One core fewer
    # than the machine has, so that one is always left to answer everything else.
    password_checks: int = env("XUNCHA_PASSWORD_CHECKS", read=INT, default_factory=_default_password_checks)
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks, "*": any).
    trusted_proxies: tuple[str, ...] = env("XUNCHA_TRUSTED_PROXIES", (), _proxies)
    # argon2id cost; tests lower it so that hundreds of logins stay quick.
    argon2_time_cost: int = env("XUNCHA_ARGON2_TIME_COST", 3, INT)
    argon2_memory_kib: int = env("XUNCHA_ARGON2_MEMORY_KIB", 64 * 1024, INT)

    max_photo_bytes: int = env("XUNCHA_MAX_PHOTO_BYTES", 20 * 1024 * 1024, INT)
    max_photo_pixels: int = env("XUNCHA_MAX_PHOTO_PIXELS", 40_000_000, INT)
    max_photos_per_check: int = 20
    photo_far_m: float = env("XUNCHA_PHOTO_FAR_M", 200.0, FLOAT)
    clock_skew_minutes: int = 10
    # Decoding is bounded by these, whatever arrives (server/photos/limits.py): decodes at once
    # (about the number of cores), the header pixels decoded at once (a 40 MP photo costs
    # 120-300 MB while decoded), uploads that may wait for a turn, and how long they may wait
    # before a 503 asks the phone to retry.
    photo_decode_slots: int = env("XUNCHA_PHOTO_DECODE_SLOTS", 2, INT)
    photo_decode_pixels: int = env("XUNCHA_PHOTO_DECODE_PIXELS", 48_000_000, INT)
    photo_decode_queue: int = env("XUNCHA_PHOTO_DECODE_QUEUE", 32, INT)
    photo_decode_wait_seconds: float = env("XUNCHA_PHOTO_DECODE_WAIT_SECONDS", 30.0, FLOAT)
    # Photos are acknowledged once their original is stored; their copies are made in the
    # background by this many workers per server process (0: only `xuncha photos process`),
    # which look for queued photos this often, and hold a claimed photo this long before
    # another worker may take it (a worker killed half-way); a photo whose copies could not be
    # written (a full disk, an unreachable bucket) is tried again after the last of these.
    photo_workers: int = env("XUNCHA_PHOTO_WORKERS", 1, INT)
    photo_queue_poll_seconds: float = env("XUNCHA_PHOTO_QUEUE_POLL_SECONDS", 2.0, FLOAT)
    photo_job_lease_seconds: float = env("XUNCHA_PHOTO_JOB_LEASE_SECONDS", 120.0, FLOAT)
    photo_store_retry_seconds: float = env("XUNCHA_PHOTO_STORE_RETRY_SECONDS", 60.0, FLOAT)
    # Where photo bytes live: "files" under the data directory, or "s3" (an S3-compatible object
    # store: MinIO, Ceph, a cloud's OSS), which several app machines can share.
    photo_store: str = env("XUNCHA_PHOTO_STORE", "files", _word)
    s3_endpoint_url: str = env("XUNCHA_S3_ENDPOINT_URL", "", str.strip)
    s3_bucket: str = env("XUNCHA_S3_BUCKET", "", str.strip)
    s3_access_key: str = env("XUNCHA_S3_ACCESS_KEY", "", str.strip)
    s3_secret_key: str = env("XUNCHA_S3_SECRET_KEY", "", str.strip, repr=False)
    s3_region: str = env("XUNCHA_S3_REGION", "", str.strip)
    # Parts of a plain (no-JavaScript) form: fields, one per checklist item and kind, and photos.
    max_form_parts: int = 500
    # A photo's own time further ahead of its arrival than this, or older than this, cannot be
    # true; it is kept as data and flagged.
    photo_time_ahead_hours: int = 24
    photo_time_max_age_days: int = 3653

    # The lead's desk (rectification workflow).
    rectification_far_m: float = env("XUNCHA_RECTIFICATION_FAR_M", 50.0, FLOAT)
    duplicate_radius_m: float = env("XUNCHA_DUPLICATE_RADIUS_M", 30.0, FLOAT)
    duplicate_days: int = env("XUNCHA_DUPLICATE_DAYS", 7, INT)
    tile_url: str = env("XUNCHA_TILE_URL", "")
    tile_attribution: str = env("XUNCHA_TILE_ATTRIBUTION", "")
    tile_crs: str = env("XUNCHA_TILE_CRS", "wgs84", str.lower)
    map_center: tuple[float, float] = (32.6293, 110.7981)
    deadline_sweep_seconds: int = env("XUNCHA_DEADLINE_SWEEP_SECONDS", 60, INT)
    token_purge_seconds: int = env("XUNCHA_TOKEN_PURGE_SECONDS", 3600, INT)
    # Complaints: a call-back is late this many days after the unit's investigation; a rating
    # link answers at most this many requests per client address per minute.
    callback_days: int = env("XUNCHA_CALLBACK_DAYS", 3, INT)
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
    max_document_bytes: int = env("XUNCHA_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024, INT)
    # The year's calendar of duties: the largest document a unit may answer a duty with.
    max_duty_file_bytes: int = env("XUNCHA_MAX_DUTY_FILE_BYTES", 20 * 1024 * 1024, INT)

    # Printed documents: the CJK TrueType font embedded in PDFs ("" searches the usual places) and
    # the address people reach the system at, printed with a QR code on every notice.
    pdf_font: str = env("XUNCHA_PDF_FONT", "", str.strip)
    public_url: str = env("XUNCHA_PUBLIC_URL", "", str.strip)

    # Login throttling and rate limits are counted in the database; a Redis URL here counts
    # them in Redis instead (several app machines, or to spare the database the writes).
    redis_url: str = env("XUNCHA_REDIS_URL", "", str.strip)

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
        values: dict[str, Any] = {}
        for setting in fields(cls):
            variable, read = setting.metadata.get("env", (None, str))
            raw = os.environ.get(variable) if variable else None
            if raw is not None and (value := read(raw)) is not None:
                values[setting.name] = value
        return cls(**(values | overrides)).resolved()

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
