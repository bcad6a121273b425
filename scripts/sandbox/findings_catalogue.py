"""The findings catalogue: packages per ecosystem, real CVSS vector/score pairs,
descriptions, and the CVEs planted on purpose (two real, widespread ones and one
with hostile text). Pure data and deterministic generation; `findings.py` decides
which image gets which entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from manifests import Rng

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")


# --------------------------------------------------------------------------
# The catalogue: packages per ecosystem, CVSS vectors, descriptions


# ecosystem -> (package manager, source, advisory URL prefix, [(package, installed version)])
ECOSYSTEMS: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {
    "debian": ("OS", "DEBIAN_CVE", "https://security-tracker.debian.org/tracker/", [
        ("openssl", "3.0.11-1~deb12u2"), ("libc6", "2.36-9+deb12u3"), ("zlib1g", "1:1.2.13.dfsg-1"),
        ("curl", "7.88.1-10+deb12u4"), ("libxml2", "2.9.14+dfsg-1.3~deb12u1"), ("libsqlite3-0", "3.40.1-2"),
        ("perl-base", "5.36.0-7+deb12u1"), ("libgnutls30", "3.7.9-2+deb12u1"), ("tar", "1.34+dfsg-1.2"),
        ("libsystemd0", "252.19-1~deb12u1"), ("libexpat1", "2.5.0-1"), ("libkrb5-3", "1.20.1-2+deb12u1"),
        ("libtiff6", "4.5.0-6"), ("ncurses-base", "6.4-4"), ("openssh-client", "1:9.2p1-2+deb12u1"),
        ("libnghttp2-14", "1.52.0-1"),
    ]),
    "ubuntu": ("OS", "UBUNTU_CVE", "https://ubuntu.com/security/", [
        ("openssl", "3.0.2-0ubuntu1.12"), ("libc6", "2.35-0ubuntu3.5"), ("zlib1g", "1:1.2.11.dfsg-2ubuntu9.2"),
        ("curl", "7.81.0-1ubuntu1.15"), ("libxml2", "2.9.13+dfsg-1ubuntu0.3"), ("libsqlite3-0", "3.37.2-2ubuntu0.1"),
        ("perl-base", "5.34.0-3ubuntu1.2"), ("libgnutls30", "3.7.3-4ubuntu1.3"), ("tar", "1.34+dfsg-1ubuntu0.1.22.04.1"),
        ("openssh-client", "1:8.9p1-3ubuntu0.6"), ("libnghttp2-14", "1.43.0-1build3"), ("libpam0g", "1.4.0-11ubuntu2.3"),
    ]),
    "alpine": ("OS", "ALPINE_SECDB", "https://security.alpinelinux.org/vuln/", [
        ("libcrypto3", "3.1.4-r5"), ("libssl3", "3.1.4-r5"), ("busybox", "1.36.1-r15"), ("musl", "1.2.4-r2"),
        ("zlib", "1.3-r2"), ("libcurl", "8.5.0-r0"), ("libexpat", "2.5.0-r2"), ("ncurses-libs", "6.4_p20230506-r0"),
        ("nghttp2-libs", "1.57.0-r0"),
    ]),
    "distroless": ("OS", "DEBIAN_CVE", "https://security-tracker.debian.org/tracker/", [
        ("libssl3", "3.0.11-1~deb12u2"), ("libc6", "2.36-9+deb12u3"), ("tzdata", "2024a-0+deb12u1"),
        ("netbase", "6.4"), ("base-files", "12.4+deb12u5"),
    ]),
    "python": ("PYTHONPKG", "GITHUB", "https://github.com/advisories/", [
        ("urllib3", "1.26.18"), ("requests", "2.31.0"), ("cryptography", "41.0.7"), ("jinja2", "3.1.2"),
        ("setuptools", "65.5.0"), ("idna", "3.4"), ("certifi", "2023.7.22"), ("aiohttp", "3.9.1"),
        ("pillow", "10.1.0"), ("pyyaml", "5.4.1"), ("werkzeug", "2.3.7"), ("sqlparse", "0.4.4"),
    ]),
    "node": ("NODEPKG", "GITHUB", "https://github.com/advisories/", [
        ("express", "4.18.2"), ("lodash", "4.17.20"), ("semver", "7.5.3"), ("ws", "8.13.0"), ("axios", "1.6.0"),
        ("follow-redirects", "1.15.3"), ("braces", "3.0.2"), ("cross-spawn", "7.0.3"), ("path-to-regexp", "0.1.7"),
        ("tar", "6.1.15"),
    ]),
    "go": ("GOBINARY", "NVD", "https://nvd.nist.gov/vuln/detail/", [
        ("golang.org/x/net", "v0.17.0"), ("google.golang.org/grpc", "v1.58.2"), ("golang.org/x/crypto", "v0.14.0"),
        ("stdlib", "go1.22.1"), ("github.com/docker/docker", "v24.0.7+incompatible"),
        ("google.golang.org/protobuf", "v1.31.0"), ("github.com/golang-jwt/jwt/v4", "v4.5.0"),
    ]),
    "jvm": ("JAR", "NVD", "https://nvd.nist.gov/vuln/detail/", [
        ("com.fasterxml.jackson.core:jackson-databind", "2.13.4"), ("io.netty:netty-codec-http", "4.1.94.Final"),
        ("org.springframework:spring-web", "5.3.27"), ("org.yaml:snakeyaml", "1.33"),
        ("com.google.guava:guava", "31.1-jre"), ("org.apache.commons:commons-compress", "1.21"),
        ("ch.qos.logback:logback-core", "1.2.11"),
    ]),
}
ECOSYSTEM_ORDER = list(ECOSYSTEMS)

# family (RepoSpec.stack before the colon) -> ecosystems found in such an image
FAMILY_ECOSYSTEMS: dict[str, tuple[str, ...]] = {
    "python": ("debian", "python"),
    "node": ("alpine", "node"),
    "go": ("debian", "go"),
    "nginx": ("debian",),
    "cuda": ("ubuntu", "python"),
    "jvm": ("ubuntu", "jvm"),
    "otelcol": ("go",),
    "distroless": ("distroless",),
    "scratch": ("go",),
    "alpine": ("alpine",),
    "debian": ("debian",),
    "ubuntu": ("ubuntu",),
}

# (CVSS 3.1 vector, its base score): real combinations, so a score matches its vector.
CVSS3 = {
    "CRITICAL": [("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8), ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H", 9.1),
                 ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0)],
    "HIGH": [("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8), ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
             ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5), ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8)],
    "MEDIUM": [("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 6.5), ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9),
               ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3), ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 5.5),
               ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1), ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:H", 4.7)],
    "LOW": [("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", 3.7), ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", 3.3),
            ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:L", 2.5), ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1)],
}

WEAKNESSES = [
    "a heap-based buffer overflow when parsing {thing}, which may allow a remote attacker to execute arbitrary code",
    "an out-of-bounds read in the handling of {thing}, which can crash the process or disclose memory",
    "an integer overflow in the length calculation for {thing}, leading to memory corruption",
    "uncontrolled resource consumption when processing {thing}, allowing a denial of service",
    "a use-after-free when {thing} is closed early, which may lead to a crash",
    "improper certificate validation when {thing} is used, allowing a man-in-the-middle attacker to spoof servers",
    "a NULL pointer dereference triggered by {thing}, causing a denial of service",
    "inefficient regular expression complexity in the parsing of {thing}, allowing a denial of service (ReDoS)",
    "improper input validation of {thing}, allowing request smuggling",
    "a path traversal through {thing}, allowing files outside the target directory to be written",
]
THINGS = [
    "crafted X.509 certificates", "malformed HTTP/2 frames", "long header values", "specially crafted archives",
    "a crafted XML document", "untrusted YAML input", "malformed DNS responses", "deeply nested JSON",
    "overlong UTF-8 sequences", "a redirect to a different host", "crafted cookies", "a truncated gzip stream",
]
CONSEQUENCES = [
    "Exploitation requires the application to process attacker-controlled input.",
    "Applications that only handle trusted input are not affected.",
    "The issue was fixed upstream; distributions backported the patch to their supported releases.",
    "No workaround is known other than upgrading the affected package.",
    "The vulnerable code path is reachable in the default configuration.",
]


@dataclass(frozen=True)
class Cve:
    name: str
    severity: str
    package: str
    version: str
    fixed: Optional[str]  # None: no fix released
    ecosystem: str
    vector: Optional[str]
    score: Optional[float]
    description: str
    exploit: bool
    published: int  # days before the anchor-free epoch below, for vendor dates
    partial: Optional[str] = None  # a second vulnerable package without a fix (fixAvailable PARTIAL)


def _fixed_version(version: str, rng: Rng) -> str:
    # Bump the last number run in the version string: 3.0.11-1~deb12u2 -> 3.0.11-1~deb12u3.
    digits_end = max(i for i, c in enumerate(version) if c.isdigit()) + 1
    start = digits_end
    while start > 0 and version[start - 1].isdigit():
        start -= 1
    return version[:start] + str(int(version[start:digits_end]) + rng.randint(1, 3)) + version[digits_end:]


def _describe(package: str, rng: Rng) -> str:
    text = f"{package}: {rng.choice(WEAKNESSES).format(thing=rng.choice(THINGS))}."
    for _ in range(rng.randint(0, 2)):
        text += " " + rng.choice(CONSEQUENCES)
    return text


_CATALOGUE: dict[tuple[str, str, int], Cve] = {}


def catalogue_entry(ecosystem: str, severity: str, index: int) -> Cve:
    """The `index`th CVE of a severity in an ecosystem: the same everywhere, forever.

    Numbers are partitioned by ecosystem and severity (and kept above the real
    CVEs planted below), so two ecosystems never name the same id for
    different packages.
    """
    key = (ecosystem, severity, index)
    cached = _CATALOGUE.get(key)
    if cached is not None:
        return cached
    rng = Rng(f"berth-cve/{ecosystem}/{severity}/{index}")
    number = 60000 + ECOSYSTEM_ORDER.index(ecosystem) * 4000 + SEVERITIES.index(severity) * 600 + index
    year = 2019 + rng.randint(0, 6)
    _, _, _, packages = ECOSYSTEMS[ecosystem]
    package, version = rng.choice(packages)
    fixed = _fixed_version(version, rng) if rng.chance(0.75) else None
    vector, score = rng.choice(CVSS3[severity]) if severity in CVSS3 else (None, None)
    partial = None
    if fixed is not None and ECOSYSTEMS[ecosystem][0] == "OS" and rng.chance(0.1):
        partial = rng.choice([p for p, _ in packages if p != package])
    entry = Cve(
        name=f"CVE-{year}-{number}",
        severity=severity,
        package=package,
        version=version,
        fixed=fixed,
        ecosystem=ecosystem,
        vector=vector,
        score=score,
        description=_describe(package, rng),
        exploit=severity in ("CRITICAL", "HIGH") and rng.chance(0.2),
        published=rng.randint(30, 1500),
        partial=partial,
    )
    _CATALOGUE[key] = entry
    return entry


def _shared(name: str, severity: str, vector: str, score: float, description: str, exploit: bool,
            per_ecosystem: dict[str, tuple[str, Optional[str]]]) -> dict[str, Cve]:
    out = {}
    for ecosystem, (package, fixed) in per_ecosystem.items():
        version = dict(ECOSYSTEMS[ecosystem][3])[package]
        out[ecosystem] = Cve(name, severity, package, version, fixed, ecosystem, vector, score, description, exploit, 700)
    return out


# Real CVEs, in the packages they affected, planted in many images (descriptions are ours).
SHARED_CRITICAL = _shared(
    "CVE-2023-45853", "CRITICAL", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8,
    "MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in "
    "zipOpenNewFileInZip4_64 via a long filename, comment, or extra field. MiniZip is not a supported "
    "part of the zlib product; most distributions do not ship it and have not released a fix.",
    False,
    {"debian": ("zlib1g", None), "ubuntu": ("zlib1g", None), "alpine": ("zlib", "1.3.1-r0")},
)
SHARED_HIGH = _shared(
    "CVE-2023-44487", "HIGH", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5,
    "The HTTP/2 protocol allows a denial of service (server resource consumption) because request "
    "cancellation can reset many streams quickly, as exploited in the wild in August through October 2023 "
    "(the \"Rapid Reset\" attack).",
    True,
    {
        "debian": ("libnghttp2-14", "1.52.0-1+deb12u1"),
        "ubuntu": ("libnghttp2-14", "1.43.0-1ubuntu0.1"),
        "alpine": ("nghttp2-libs", "1.57.0-r1"),
        "go": ("golang.org/x/net", "v0.17.1"),
        "jvm": ("io.netty:netty-codec-http", "4.1.100.Final"),
    },
)

HOSTILE_TEXT = (
    "Terminal injection probe.\x1b[2J\x1b[H\x1b]0;pwned-title\x07"
    "\x1b]52;c;cHduZWQtY2xpcGJvYXJk\x07 bell:\x07 status report:\x1b[6n "
    "colour:\x1b[31;1mred\x1b[0m c1:\x9b31m del:\x7f tab:\tnewline:\nend. "
    + "A long advisory sentence that keeps going so that wrapping is needed. " * 40
    + "x" * 700
)
HOSTILE = Cve(
    name="CVE-2025-0666",
    severity="HIGH",
    package="openssl\x1b]0;pwned-title\x07",
    version="3.0.11\x1b[2J",
    fixed="3.0.13",
    ecosystem="debian",
    vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
    score=8.8,
    description=HOSTILE_TEXT,
    exploit=True,
    published=10,
)
HOSTILE_URI = "https://security-tracker.debian.org/tracker/CVE-2025-0666\x1b[2J\x07"
