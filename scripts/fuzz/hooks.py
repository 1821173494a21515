"""Schemathesis hooks for scripts/fuzz.sh: signs in as the fuzz account.

The fuzzer may log the account out (logout, log out everywhere, device revocation), so
a 401 makes schemathesis fetch a fresh token by logging in again (its default
`retry_on`). The account's password is not in the spec's examples, so the fuzzer
cannot change it or delete the account.
"""

import os

import requests
import schemathesis

BASE = os.environ["FUZZ_BASE"]
EMAIL = os.environ["FUZZ_EMAIL"]
PASSWORD = os.environ["FUZZ_PASSWORD"]


@schemathesis.auth()
class FuzzAccount:
    def get(self, case, context):
        res = requests.post(
            f"{BASE}/v1/auth/login",
            json={"email": EMAIL, "password": PASSWORD, "device_name": "schemathesis"},
            timeout=30,
        )
        res.raise_for_status()
        return res.json()["tokens"]["access_token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
