"""Organizations and STS corrections (org_fixes.py), each shown against plain moto."""

import json

import pytest
from botocore.exceptions import ClientError

from helpers import error_code

MANAGEMENT = "123456789012"
MEMBERS = 22
ROLE = "OrganizationAccountAccessRole"
OUTSIDER = "999988887777"


def role_arn(account, name=ROLE):
    return f"arn:aws:iam::{account}:role/{name}"


def build_organization(server):
    org = server.aws("organizations")
    org.create_organization(FeatureSet="ALL")
    ids = [
        org.create_account(AccountName=f"member-{n:02d}", Email=f"member-{n:02d}@example.com")
        ["CreateAccountStatus"]["AccountId"]
        for n in range(MEMBERS)
    ]
    return org, ids


@pytest.fixture(scope="module")
def organization(sandbox):
    return build_organization(sandbox)


@pytest.fixture(scope="module")
def plain_organization(plain):
    return build_organization(plain)


def test_list_accounts_pages_hold_at_most_20(organization, plain_organization):
    org, ids = organization
    first = org.list_accounts()
    assert len(first["Accounts"]) == 20 and first.get("NextToken")
    seen, pages, token = [], 0, None
    while True:
        page = org.list_accounts(MaxResults=7, **({"NextToken": token} if token else {}))
        seen += [a["Id"] for a in page["Accounts"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 4
    assert sorted(seen) == sorted([MANAGEMENT, *ids])
    for bad in ({"MaxResults": 21}, {"NextToken": "not-a-token"}):
        with pytest.raises(ClientError) as excinfo:
            org.list_accounts(**bad)
        assert error_code(excinfo) == "InvalidInputException"
    # moto answers every account at once and accepts any page size.
    plain_org, plain_ids = plain_organization
    assert len(plain_org.list_accounts()["Accounts"]) == MEMBERS + 1
    assert len(plain_org.list_accounts(MaxResults=21)["Accounts"]) == 21


def test_accounts_carry_state_not_the_retired_status(organization, plain_organization):
    org, ids = organization
    org.close_account(AccountId=ids[-1])
    accounts = {a["Id"]: a for a in org.list_accounts(MaxResults=20)["Accounts"]}
    accounts.update({a["Id"]: a for a in org.list_accounts(MaxResults=20, NextToken=org.list_accounts(
        MaxResults=20)["NextToken"])["Accounts"]})
    assert all("Status" not in a for a in accounts.values())
    assert accounts[ids[0]]["State"] == "ACTIVE"
    assert accounts[ids[-1]]["State"] == "SUSPENDED"
    assert "Status" not in org.describe_account(AccountId=ids[0])["Account"]
    plain_org, plain_ids = plain_organization
    assert plain_org.describe_account(AccountId=plain_ids[0])["Account"]["Status"] == "ACTIVE"


def test_only_the_management_account_lists_accounts(sandbox, organization, plain, plain_organization):
    _, ids = organization
    member = sandbox.aws("organizations", credentials=sandbox.assume(role_arn(ids[0])))
    with pytest.raises(ClientError) as excinfo:
        member.list_accounts()
    assert error_code(excinfo) == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        sandbox.aws("organizations", account=OUTSIDER).list_accounts()
    assert error_code(excinfo) == "AWSOrganizationsNotInUseException"
    # moto answers a member, and an account in no organization, with an empty list.
    _, plain_ids = plain_organization
    plain_member = plain.aws("organizations", credentials=plain.assume(role_arn(plain_ids[0])))
    assert plain_member.list_accounts()["Accounts"] == []


def denied(server, role, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        server.assume(role, **kwargs)
    response = excinfo.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error_code(excinfo) == "AccessDenied"
    assert response["Error"]["Message"].endswith(f"is not authorized to perform: sts:AssumeRole on resource: {role}")
    return response["Error"]["Message"]


def test_assume_role_needs_the_role_to_exist(sandbox, organization, plain, plain_organization):
    _, ids = organization
    denied(sandbox, role_arn(ids[1], "NoSuchRole"))
    denied(sandbox, role_arn(OUTSIDER))
    caller = sandbox.aws("sts", credentials=sandbox.assume(role_arn(ids[1]))).get_caller_identity()
    assert caller["Account"] == ids[1]
    _, plain_ids = plain_organization
    plain.assume(role_arn(plain_ids[1], "NoSuchRole"))
    plain.assume(role_arn(OUTSIDER))


def test_assume_role_follows_the_trust_policy(sandbox, organization, plain, plain_organization):
    def roles(server, account):
        iam = server.aws("iam", credentials=server.assume(role_arn(account)))
        for name, statements in {
            "TrustsSomeoneElse": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                   "Action": "sts:AssumeRole"}],
            "TrustsTheAccountId": [{"Effect": "Allow", "Principal": {"AWS": MANAGEMENT}, "Action": "sts:*"}],
            "DeniesTheAccount": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}, "Action": "sts:AssumeRole"},
            ],
        }.items():
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": statements}))

    _, ids = organization
    roles(sandbox, ids[2])
    denied(sandbox, role_arn(ids[2], "TrustsSomeoneElse"))
    denied(sandbox, role_arn(ids[2], "DeniesTheAccount"))
    sandbox.assume(role_arn(ids[2], "TrustsTheAccountId"))
    # Role chaining: a member's role session is not the management account, which is all
    # OrganizationAccountAccessRole trusts.
    message = denied(sandbox, role_arn(ids[3]), credentials=sandbox.assume(role_arn(ids[2])))
    assert message.startswith(f"User: arn:aws:sts::{ids[2]}:assumed-role/{ROLE}/berth-test ")
    _, plain_ids = plain_organization
    roles(plain, plain_ids[2])
    plain.assume(role_arn(plain_ids[2], "TrustsSomeoneElse"))
    plain.assume(role_arn(plain_ids[3]), credentials=plain.assume(role_arn(plain_ids[2])))


def test_a_closed_account_cannot_be_entered(sandbox, organization, plain, plain_organization):
    org, ids = organization
    org.close_account(AccountId=ids[4])
    denied(sandbox, role_arn(ids[4]))
    plain_org, plain_ids = plain_organization
    plain_org.close_account(AccountId=plain_ids[4])
    plain.assume(role_arn(plain_ids[4]))


def test_an_opt_in_region_works_only_where_enabled(sandbox, organization, plain, plain_organization):
    _, ids = organization
    status, body = sandbox.call("POST", "enabled-regions", {"account": ids[5], "regions": []})
    assert status == 200, body
    credentials = sandbox.assume(role_arn(ids[5]))
    assert sandbox.aws("ecr", "eu-west-1", credentials).describe_repositories()["repositories"] == []
    for service, call, code in (
        ("ecr", lambda c: c.describe_repositories(), "UnrecognizedClientException"),
        ("ecs", lambda c: c.list_clusters(), "UnrecognizedClientException"),
        ("lambda", lambda c: c.list_functions(), "UnrecognizedClientException"),
        ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call(sandbox.aws(service, "eu-south-1", credentials))
        assert error_code(excinfo) == code, service
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert excinfo.value.response["Error"]["Message"] == "The security token included in the request is invalid."
    # Another account (here the management account) is not affected.
    sandbox.aws("ecr", "eu-south-1").describe_repositories()
    status, body = sandbox.call("POST", "enabled-regions", {"account": ids[5], "regions": ["eu-south-1"]})
    assert status == 200 and body["opt_in_regions_enabled"] == ["eu-south-1"], body
    assert sandbox.aws("ecr", "eu-south-1", credentials).describe_repositories()["repositories"] == []
    status, body = sandbox.call("POST", "enabled-regions", {"account": ids[5], "regions": ["eu-west-1"]})
    assert status == 400 and "opt-in" in body["message"], body
    # moto has no opt-in regions.
    _, plain_ids = plain_organization
    plain.call("POST", "enabled-regions", {"account": plain_ids[5], "regions": []})
    plain.aws("ecr", "eu-south-1", plain.assume(role_arn(plain_ids[5]))).describe_repositories()


def test_organization_route_needs_the_organization_seed(sandbox):
    status, body = sandbox.call("GET", "organization")
    assert status == 400 and "--seed organization" in body["message"], body


def test_assumed_credentials_expire(sandbox, organization, plain, plain_organization):
    _, ids = organization
    credentials = sandbox.assume(role_arn(ids[6]))
    other = sandbox.assume(role_arn(ids[7]))
    ecr = sandbox.aws("ecr", credentials=credentials)
    ecr.describe_repositories()
    status, body = sandbox.call("POST", "expire-credentials", {"access_key_id": credentials["aws_access_key_id"]})
    assert status == 200 and body["expired"] == [credentials["aws_access_key_id"]], body
    for call, code in (
        (ecr.describe_repositories, "ExpiredTokenException"),
        (sandbox.aws("sts", credentials=credentials).get_caller_identity, "ExpiredToken"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == code
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert excinfo.value.response["Error"]["Message"] == "The security token included in the request is expired"
    # Other sessions go on; a new session works.
    sandbox.aws("ecr", credentials=other).describe_repositories()
    sandbox.aws("ecr", credentials=sandbox.assume(role_arn(ids[6]))).describe_repositories()
    status, body = sandbox.call("POST", "expire-credentials", {"account": ids[7]})
    assert other["aws_access_key_id"] in body["expired"], body
    with pytest.raises(ClientError) as excinfo:
        sandbox.aws("ecr", credentials=other).describe_repositories()
    assert error_code(excinfo) == "ExpiredTokenException"
    # moto never checks an expiry.
    _, plain_ids = plain_organization
    stale = plain.assume(role_arn(plain_ids[6]))
    plain.call("POST", "expire-credentials", {"access_key_id": stale["aws_access_key_id"]})
    plain.aws("ecr", credentials=stale).describe_repositories()


def test_service_control_policies_deny_what_they_name(sandbox, organization, plain, plain_organization):
    def guardrail(server, ids):
        org = server.aws("organizations")
        policy = org.create_policy(
            Name="no-image-deletion", Description="", Type="SERVICE_CONTROL_POLICY",
            Content=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": ["ecr:BatchDeleteImage", "ecr:Delete*"], "Resource": "*"},
                # Conditions are not evaluated: a statement with one is left out.
                {"Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["ap-south-1"]}}},
            ]}),
        )["Policy"]["PolicySummary"]["Id"]
        root = org.list_roots()["Roots"][0]["Id"]
        unit = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
        org.move_account(AccountId=ids[9], SourceParentId=root, DestinationParentId=unit)
        for target in (ids[8], unit, MANAGEMENT):
            org.attach_policy(PolicyId=policy, TargetId=target)
        return {account: server.aws("ecr", credentials=server.assume(role_arn(account))) for account in ids[8:11]}

    _, ids = organization
    ecr = guardrail(sandbox, ids)
    for account in ids[8:11]:
        ecr[account].create_repository(repositoryName="guarded")
    for account in ids[8:10]:
        ecr[account].describe_repositories()
        for call in (lambda: ecr[account].batch_delete_image(repositoryName="guarded", imageIds=[{"imageTag": "x"}]),
                     lambda: ecr[account].delete_repository(repositoryName="guarded")):
            with pytest.raises(ClientError) as excinfo:
                call()
            assert error_code(excinfo) == "AccessDeniedException"
            assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
            assert excinfo.value.response["Error"]["Message"].endswith(
                "with an explicit deny in a service control policy")
            assert f"arn:aws:sts::{account}:assumed-role/{ROLE}/" in excinfo.value.response["Error"]["Message"]
    # Not attached there (ids[10]), or the management account: nothing denied.
    ecr[ids[10]].delete_repository(repositoryName="guarded")
    sandbox.aws("ecr").create_repository(repositoryName="guarded")
    sandbox.aws("ecr").delete_repository(repositoryName="guarded")
    # moto stores the policy and denies nothing.
    _, plain_ids = plain_organization
    plain_ecr = guardrail(plain, plain_ids)
    plain_ecr[plain_ids[8]].create_repository(repositoryName="guarded")
    plain_ecr[plain_ids[8]].delete_repository(repositoryName="guarded")
