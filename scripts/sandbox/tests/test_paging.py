"""maxResults / nextToken on DescribeRepositories, DescribeImages and ListImages."""

import pytest
from botocore.exceptions import ClientError

from helpers import all_pages, digest_of, error_code, image_manifest

SANDBOX_ARGS = ["--seed", "standard"]
BIG = "ci/build-cache"


def test_describe_images_pages_of_1000(ecr):
    first = ecr.describe_images(repositoryName=BIG, maxResults=1000)
    assert len(first["imageDetails"]) == 1000
    second = ecr.describe_images(repositoryName=BIG, maxResults=1000, nextToken=first["nextToken"])
    assert len(second["imageDetails"]) == 500
    assert "nextToken" not in second
    digests = [d["imageDigest"] for d in first["imageDetails"] + second["imageDetails"]]
    assert len(set(digests)) == 1500


def test_describe_images_defaults_to_pages_of_100(ecr):
    images, pages = all_pages(ecr.describe_images, "imageDetails", repositoryName=BIG)
    assert pages == 15
    assert len({d["imageDigest"] for d in images}) == 1500


def test_paginator_walks_every_page(ecr):
    paginator = ecr.get_paginator("describe_images")
    sizes = [len(page["imageDetails"]) for page in paginator.paginate(repositoryName=BIG, PaginationConfig={"PageSize": 400})]
    assert sizes == [400, 400, 400, 300]


def test_filter_and_paging_combine(ecr):
    untagged, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=BIG, maxResults=250, filter={"tagStatus": "UNTAGGED"})
    tagged, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=BIG, maxResults=250, filter={"tagStatus": "TAGGED"})
    assert len(untagged) + len(tagged) == 1500
    assert not any("imageTags" in d for d in untagged)
    assert all(d["imageTags"] for d in tagged)


def test_image_status_any_lists_every_image(ecr):
    every, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=BIG, maxResults=1000, filter={"imageStatus": "ANY"})
    active, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=BIG, maxResults=1000)
    assert len(every) == 1500
    assert {d["imageDigest"] for d in every} >= {d["imageDigest"] for d in active}
    listed, _ = all_pages(ecr.list_images, "imageIds", repositoryName=BIG, maxResults=1000, filter={"imageStatus": "ANY"})
    assert {i["imageDigest"] for i in listed} == {d["imageDigest"] for d in every}


def test_list_images_pages_count_one_entry_per_tag(ecr):
    details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName="web/frontend", maxResults=1000)
    expected = sum(max(1, len(d.get("imageTags", []))) for d in details)
    ids, pages = all_pages(ecr.list_images, "imageIds", repositoryName="web/frontend", maxResults=7)
    assert len(ids) == expected
    assert pages == -(-expected // 7)
    assert len({(i["imageDigest"], i.get("imageTag")) for i in ids}) == expected


def test_describe_repositories_pages(ecr):
    repositories, pages = all_pages(ecr.describe_repositories, "repositories", maxResults=10)
    names = [r["repositoryName"] for r in repositories]
    assert len(names) == len(set(names)) >= 40
    assert pages == -(-len(names) // 10)
    first = ecr.describe_repositories(maxResults=1)
    assert len(first["repositories"]) == 1 and "nextToken" in first


@pytest.mark.parametrize("max_results", [1001, 5000])
def test_max_results_above_1000_is_rejected(ecr, max_results):
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_images(repositoryName=BIG, maxResults=max_results)
    assert error_code(excinfo) == "InvalidParameterException"


@pytest.mark.parametrize("call, kwargs", [
    ("describe_images", {"repositoryName": BIG}),
    ("list_images", {"repositoryName": BIG}),
    ("describe_repositories", {}),
])
def test_garbage_token_is_invalid_parameter(ecr, call, kwargs):
    with pytest.raises(ClientError) as excinfo:
        getattr(ecr, call)(nextToken="not-a-token", **kwargs)
    assert error_code(excinfo) == "InvalidParameterException"


def test_token_of_another_repository_is_invalid(ecr):
    token = ecr.describe_images(repositoryName=BIG, maxResults=1)["nextToken"]
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_images(repositoryName="web/frontend", nextToken=token)
    assert error_code(excinfo) == "InvalidParameterException"


def test_token_with_image_ids_is_invalid(ecr):
    first = ecr.describe_images(repositoryName=BIG, maxResults=1)
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_images(
            repositoryName=BIG, nextToken=first["nextToken"],
            imageIds=[{"imageDigest": first["imageDetails"][0]["imageDigest"]}],
        )
    assert error_code(excinfo) == "InvalidParameterException"


def test_deleting_between_pages_skips_nothing(ecr):
    ecr.create_repository(repositoryName="paging/churn")
    texts = [image_manifest(f"churn-{n}") for n in range(9)]
    for n, text in enumerate(texts):
        ecr.put_image(repositoryName="paging/churn", imageManifest=text, imageTag=f"c{n}")
    first = ecr.describe_images(repositoryName="paging/churn", maxResults=3)
    seen = [d["imageDigest"] for d in first["imageDetails"]]
    # berth deletes what it has shown while the user pages on.
    ecr.batch_delete_image(repositoryName="paging/churn", imageIds=[{"imageDigest": d} for d in seen])
    rest, pages = _continue(ecr, "paging/churn", first["nextToken"])
    assert pages == 2
    assert sorted(d["imageDigest"] for d in rest) == sorted({digest_of(t) for t in texts} - set(seen))


def _continue(ecr, repository, token):
    images, pages = [], 0
    while token:
        response = ecr.describe_images(repositoryName=repository, maxResults=3, nextToken=token)
        images.extend(response["imageDetails"])
        token = response.get("nextToken")
        pages += 1
    return images, pages


def test_plain_moto_ignores_max_results(plain_ecr):
    plain_ecr.create_repository(repositoryName="paging/plain")
    for n in range(3):
        text = image_manifest(f"plain-{n}")
        plain_ecr.put_image(repositoryName="paging/plain", imageManifest=text, imageTag=f"p{n}", imageDigest=digest_of(text))
    response = plain_ecr.describe_images(repositoryName="paging/plain", maxResults=1)
    assert len(response["imageDetails"]) == 3
    assert "nextToken" not in response
