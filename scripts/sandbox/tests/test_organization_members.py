"""POST /moto-api/berth/organization-members: many member accounts, for scale tests."""

from helpers import all_pages

ROLE = "OrganizationAccountAccessRole"


def test_members_with_registries_in_each_region(sandbox):
    status, body = sandbox.call("POST", "organization-members", {
        "count": 23, "prefix": "team", "regions": ["us-east-1", "eu-west-1"], "repositories": 3, "images": 4,
    })
    assert status == 200, body
    assert body["repositories"] == 23 * 2 * 3 and body["images"] == 23 * 2 * 3 * 4
    created = {a["id"]: a["name"] for a in body["accounts"]}
    assert len(created) == 23 and sorted(created.values())[0] == "team-000"
    listed, pages, token = [], 0, None
    while True:
        page = sandbox.aws("organizations").list_accounts(**({"NextToken": token} if token else {}))
        listed += page["Accounts"]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 2
    assert {a["Id"]: a["Name"] for a in listed if a["Id"] in created} == created
    digests = set()
    for account in ("team-000", "team-022"):
        account_id = next(i for i, n in created.items() if n == account)
        keys = sandbox.assume(f"arn:aws:iam::{account_id}:role/{ROLE}")
        for region in ("us-east-1", "eu-west-1"):
            ecr = sandbox.aws("ecr", region, keys)
            repositories, _ = all_pages(ecr.describe_repositories, "repositories")
            assert sorted(r["repositoryName"] for r in repositories) == [
                f"{account}/service-{k:03d}" for k in range(3)]
            images, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=f"{account}/service-001")
            assert len(images) == 4
            digests |= {i["imageDigest"] for i in images}
    assert len(digests) == 2 * 4, "each account's repositories hold their own images"


def test_names_are_not_reused_and_sizes_are_bounded(sandbox):
    for body in ({"count": 1, "prefix": "team"}, {"count": 0}, {"count": 501},
                 {"count": 10, "repositories": 100, "images": 10_000}, {"count": 1, "prefix": "Bad Name"}):
        status, answer = sandbox.call("POST", "organization-members", body)
        assert status == 400, (body, answer)
