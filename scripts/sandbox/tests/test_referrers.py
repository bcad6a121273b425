"""The artifact graph: subjectManifestDigest / artifactMediaType, ListImageReferrers,
DescribeImageReplicationStatus and DescribeImageSigningStatus."""

import json

import pytest
from botocore.exceptions import ClientError

from helpers import all_pages, blob, digest_of, error_code, image_manifest

COSIGN = "application/vnd.dev.cosign.artifact.sig.v1+json"
NOTATION = "application/vnd.cncf.notary.signature"
SPDX = "application/spdx+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
PROFILE = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/release_signer"


def referrer(subject_text, artifact_type, name, annotations=None):
    body = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2,
                   "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
        "layers": [{"mediaType": artifact_type, "size": 321, "digest": blob(name)}],
        "subject": {"mediaType": json.loads(subject_text)["mediaType"], "digest": digest_of(subject_text),
                    "size": len(subject_text.encode())},
    }
    if annotations:
        body["annotations"] = annotations
    return json.dumps(body, separators=(",", ":"))


def push(client, repository, text, tag=None):
    client.put_image(repositoryName=repository, imageManifest=text, imageDigest=digest_of(text),
                     **({"imageTag": tag} if tag else {}))
    return digest_of(text)


@pytest.fixture(scope="module")
def signed(ecr):
    """A tagged image with a cosign signature, a notation signature and an SBOM."""
    ecr.create_repository(repositoryName="graph/app")
    subject = image_manifest("graph-subject")
    push(ecr, "graph/app", subject, "v1")
    created = {"org.opencontainers.image.created": "2026-11-02T10:00:00Z"}
    cosign = referrer(subject, COSIGN, "graph-cosign", created)
    notation = referrer(subject, NOTATION, "graph-notation",
                        {"io.cncf.notary.x509chain.thumbprint#S256": '["ab12"]', **created})
    sbom = referrer(subject, SPDX, "graph-sbom")
    for text in (cosign, notation, sbom):
        push(ecr, "graph/app", text)
    return {"subject": subject, "cosign": cosign, "notation": notation, "sbom": sbom}


def test_describe_images_names_the_subject_and_the_artifact_type(ecr, signed):
    details = {d["imageDigest"]: d for d in ecr.describe_images(repositoryName="graph/app")["imageDetails"]}
    subject = digest_of(signed["subject"])
    assert "subjectManifestDigest" not in details[subject]
    # Without artifactType, the config's media type is the artifact media type.
    assert details[subject]["artifactMediaType"] == "application/vnd.docker.container.image.v1+json"
    for name, artifact_type in (("cosign", COSIGN), ("notation", NOTATION), ("sbom", SPDX)):
        detail = details[digest_of(signed[name])]
        assert detail["subjectManifestDigest"] == subject
        assert detail["artifactMediaType"] == artifact_type
        assert "imageTags" not in detail


def test_plain_moto_reports_no_subject(plain_ecr):
    plain_ecr.create_repository(repositoryName="graph/plain")
    subject = image_manifest("plain-subject")
    push(plain_ecr, "graph/plain", subject, "v1")
    signature = push(plain_ecr, "graph/plain", referrer(subject, COSIGN, "plain-cosign"))
    details = {d["imageDigest"]: d for d in plain_ecr.describe_images(repositoryName="graph/plain")["imageDetails"]}
    assert "subjectManifestDigest" not in details[signature]
    assert "artifactMediaType" not in details[signature]
    with pytest.raises(ClientError) as excinfo:
        plain_ecr.list_image_referrers(repositoryName="graph/plain", subjectId={"imageDigest": digest_of(subject)})
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_referrers_of_an_image(ecr, signed):
    answer = ecr.list_image_referrers(repositoryName="graph/app", subjectId={"imageDigest": digest_of(signed["subject"])})
    assert "nextToken" not in answer
    found = {r["digest"]: r for r in answer["referrers"]}
    assert set(found) == {digest_of(signed[n]) for n in ("cosign", "notation", "sbom")}
    notation = found[digest_of(signed["notation"])]
    assert notation == {
        "digest": digest_of(signed["notation"]),
        "mediaType": OCI_MANIFEST,
        "artifactType": NOTATION,
        "size": len(signed["notation"].encode()),
        "annotations": {"io.cncf.notary.x509chain.thumbprint#S256": '["ab12"]',
                        "org.opencontainers.image.created": "2026-11-02T10:00:00Z"},
        "artifactStatus": "ACTIVE",
    }
    assert "annotations" not in found[digest_of(signed["sbom"])]
    # A referrer has no referrers of its own here; nor has an unknown digest.
    for digest in (digest_of(signed["cosign"]), digest_of("nothing")):
        assert ecr.list_image_referrers(repositoryName="graph/app", subjectId={"imageDigest": digest})["referrers"] == []


def test_the_artifact_types_filter(ecr, signed):
    subject = {"imageDigest": digest_of(signed["subject"])}
    signatures = ecr.list_image_referrers(repositoryName="graph/app", subjectId=subject,
                                          filter={"artifactTypes": [COSIGN, NOTATION]})["referrers"]
    assert {r["artifactType"] for r in signatures} == {COSIGN, NOTATION} and len(signatures) == 2
    sboms = ecr.list_image_referrers(repositoryName="graph/app", subjectId=subject,
                                     filter={"artifactTypes": [SPDX]})["referrers"]
    assert [r["digest"] for r in sboms] == [digest_of(signed["sbom"])]
    none = ecr.list_image_referrers(repositoryName="graph/app", subjectId=subject,
                                    filter={"artifactTypes": ["application/vnd.example+json"]})["referrers"]
    assert none == []


def test_referrers_page_by_fifty_at_most(ecr):
    ecr.create_repository(repositoryName="graph/many")
    subject = image_manifest("many-subject")
    push(ecr, "graph/many", subject, "v1")
    pushed = {push(ecr, "graph/many", referrer(subject, COSIGN, f"many-{n}")) for n in range(7)}
    subject_id = {"imageDigest": digest_of(subject)}
    found, pages = all_pages(ecr.list_image_referrers, "referrers", repositoryName="graph/many",
                             subjectId=subject_id, maxResults=3)
    assert pages == 3 and [r["digest"] for r in found] == list(dict.fromkeys(r["digest"] for r in found))
    assert {r["digest"] for r in found} == pushed
    first = ecr.list_image_referrers(repositoryName="graph/many", subjectId=subject_id, maxResults=3)
    for bad in ({"maxResults": 51}, {"nextToken": "garbage"}):
        with pytest.raises(ClientError) as excinfo:
            ecr.list_image_referrers(repositoryName="graph/many", subjectId=subject_id, **bad)
        assert error_code(excinfo) == "InvalidParameterException"
    # A token belongs to its subject: another subject's listing refuses it.
    with pytest.raises(ClientError) as excinfo:
        ecr.list_image_referrers(repositoryName="graph/many", subjectId={"imageDigest": digest_of("other")},
                                 nextToken=first["nextToken"])
    assert error_code(excinfo) == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        ecr.list_image_referrers(repositoryName="graph/nowhere", subjectId=subject_id)
    assert error_code(excinfo) == "RepositoryNotFoundException"


def test_referrers_outlive_their_subject_and_keep_their_storage_class(ecr):
    ecr.create_repository(repositoryName="graph/orphans")
    subject = image_manifest("orphan-subject")
    push(ecr, "graph/orphans", subject, "v1")
    signature = push(ecr, "graph/orphans", referrer(subject, COSIGN, "orphan-cosign"))
    sbom = push(ecr, "graph/orphans", referrer(subject, SPDX, "orphan-sbom"))
    # Deleting the subject leaves its referrers (ECR's lifecycle cleans them up later).
    answer = ecr.batch_delete_image(repositoryName="graph/orphans", imageIds=[{"imageDigest": digest_of(subject)}])
    assert answer["failures"] == []
    subject_id = {"imageDigest": digest_of(subject)}
    listed = ecr.list_image_referrers(repositoryName="graph/orphans", subjectId=subject_id)["referrers"]
    assert {r["digest"] for r in listed} == {signature, sbom}
    ecr.update_image_storage_class(repositoryName="graph/orphans", imageId={"imageDigest": sbom},
                                   targetStorageClass="ARCHIVE")
    by_status = {
        status: [r["digest"] for r in ecr.list_image_referrers(
            repositoryName="graph/orphans", subjectId=subject_id,
            **({"filter": {"artifactStatus": status}} if status else {}))["referrers"]]
        for status in (None, "ARCHIVED", "ANY")
    }
    assert by_status == {None: [signature], "ARCHIVED": [sbom], "ANY": [signature, sbom]}
    # Deleting a referrer takes it out of the listing.
    ecr.batch_delete_image(repositoryName="graph/orphans", imageIds=[{"imageDigest": signature}])
    listed = ecr.list_image_referrers(repositoryName="graph/orphans", subjectId=subject_id,
                                      filter={"artifactStatus": "ANY"})["referrers"]
    assert [r["digest"] for r in listed] == [sbom]


@pytest.fixture(scope="module")
def replicated(ecr, sandbox):
    """ship/app replicated to eu-west-1, which holds one of its two images."""
    ecr.put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [{"region": "eu-west-1", "registryId": "123456789012"},
                         {"region": "us-west-2", "registryId": "210987654321"}],
        "repositoryFilters": [{"filter": "ship/", "filterType": "PREFIX_MATCH"}],
    }]})
    eu = sandbox.client("eu-west-1")
    for client in (ecr, eu):
        client.create_repository(repositoryName="ship/app")
    ecr.create_repository(repositoryName="dock/app")
    texts = [image_manifest(f"ship-{n}") for n in range(2)]
    for n, text in enumerate(texts):
        push(ecr, "ship/app", text, f"v{n}")
    push(eu, "ship/app", texts[0], "v0")
    push(ecr, "dock/app", texts[0], "v0")
    return [digest_of(t) for t in texts]


def _replication(ecr, repository, image_id):
    return ecr.describe_image_replication_status(repositoryName=repository, imageId=image_id)


def test_replication_status_follows_the_rules_and_the_destinations(ecr, replicated):
    answer = _replication(ecr, "ship/app", {"imageTag": "v0"})
    assert answer["repositoryName"] == "ship/app"
    assert answer["imageId"] == {"imageDigest": replicated[0], "imageTag": "v0"}
    # eu-west-1 holds it; the other account never received it (nothing was recorded).
    assert answer["replicationStatuses"] == [{"region": "eu-west-1", "registryId": "123456789012", "status": "COMPLETE"}]
    assert _replication(ecr, "ship/app", {"imageDigest": replicated[1]})["replicationStatuses"] == []
    # No rule matches dock/.
    assert _replication(ecr, "dock/app", {"imageTag": "v0"})["replicationStatuses"] == []
    with pytest.raises(ClientError) as excinfo:
        _replication(ecr, "ship/app", {"imageTag": "nope"})
    assert error_code(excinfo) == "ImageNotFoundException"


def test_the_seed_marks_destinations_failed_or_in_progress(ecr, sandbox, replicated):
    status, body = sandbox.call("POST", "artifact-status", {
        "repository": "ship/app", "digest": replicated[1],
        "replication": [{"region": "us-west-2", "registry_id": "210987654321", "status": "FAILED",
                         "failure_code": "REPLICATION_ACCESS_DENIED"},
                        {"region": "eu-west-1", "status": "IN_PROGRESS"}],
    })
    assert status == 200, body
    statuses = _replication(ecr, "ship/app", {"imageDigest": replicated[1]})["replicationStatuses"]
    assert statuses == [
        {"region": "eu-west-1", "registryId": "123456789012", "status": "IN_PROGRESS"},
        {"region": "us-west-2", "registryId": "210987654321", "status": "FAILED", "failureCode": "REPLICATION_ACCESS_DENIED"},
    ]
    status, body = sandbox.call("POST", "artifact-status", {
        "repository": "ship/app", "digest": replicated[1],
        "replication": [{"region": "us-west-2", "status": "FAILED"}],
    })
    assert status == 400 and "failure code" in body["message"]


def test_plain_moto_has_no_replication_or_signing_status(plain_ecr):
    plain_ecr.create_repository(repositoryName="ship/plain")
    push(plain_ecr, "ship/plain", image_manifest("ship-plain"), "v1")
    for call in (plain_ecr.describe_image_replication_status, plain_ecr.describe_image_signing_status):
        with pytest.raises(ClientError) as excinfo:
            call(repositoryName="ship/plain", imageId={"imageTag": "v1"})
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_signing_status_per_profile(ecr, sandbox, signed):
    subject = digest_of(signed["subject"])
    answer = ecr.describe_image_signing_status(repositoryName="graph/app", imageId={"imageTag": "v1"})
    assert answer["signingStatuses"] == [] and answer["registryId"] == "123456789012"
    assert answer["imageId"] == {"imageDigest": subject, "imageTag": "v1"}
    other = PROFILE.replace("release_signer", "audit_signer")
    status, body = sandbox.call("POST", "artifact-status", {
        "repository": "graph/app", "digest": subject,
        "signing": [{"profile_arn": PROFILE, "status": "COMPLETE"},
                    {"profile_arn": other, "status": "FAILED", "failure_code": "SIGNING_PROFILE_REVOKED",
                     "failure_reason": "The signing profile was revoked."}],
    })
    assert status == 200, body
    statuses = ecr.describe_image_signing_status(repositoryName="graph/app", imageId={"imageDigest": subject})["signingStatuses"]
    assert statuses == [
        {"signingProfileArn": PROFILE, "status": "COMPLETE"},
        {"signingProfileArn": other, "status": "FAILED", "failureCode": "SIGNING_PROFILE_REVOKED",
         "failureReason": "The signing profile was revoked."},
    ]
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_image_signing_status(repositoryName="graph/app", imageId={"imageDigest": digest_of("gone")})
    assert error_code(excinfo) == "ImageNotFoundException"
