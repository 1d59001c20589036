"""Photos in an S3-compatible bucket (MinIO, Ceph, a cloud's OSS), shared by several app machines.

An object appears whole or not at all when its PUT completes, so no reader sees a half-written
photo; the body's MD5 is sent along, so a body damaged on the way is refused by the store rather
than kept. Errors of the store or the network come out as OSError, as a full disk does from the
file store: the upload is answered 503 and the phone sends it again later.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..settings import Settings
from .store import KINDS, PhotoMissing

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Store:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str = "",
        access_key: str = "",
        secret_key: str = "",
        region: str = "",
    ) -> None:
        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region or "us-east-1",
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                # Path-style addressing works with MinIO and Ceph without wildcard DNS.
                s3={"addressing_style": "path"},
            ),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        return cls(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )

    @staticmethod
    def _check(key: str) -> str:
        parts = key.split("/")
        if parts[0] not in KINDS or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"not a photo key: {key!r}")
        return key

    def put(self, key: str, data: bytes) -> None:
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._check(key), Body=data, ContentMD5=md5)
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"the photo bucket refused {key}: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._check(key))
            return response["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise PhotoMissing(key) from None
            raise OSError(f"the photo bucket cannot give {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise OSError(f"the photo bucket cannot give {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._check(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise OSError(f"the photo bucket cannot say whether it has {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise OSError(f"the photo bucket cannot say whether it has {key}: {exc}") from exc
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._check(key))
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"the photo bucket cannot delete {key}: {exc}") from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    if item["Key"].split("/", 1)[0] in KINDS:
                        yield item["Key"]
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"the photo bucket cannot list its photos: {exc}") from exc

    def local_path(self, key: str) -> Path | None:
        return None
