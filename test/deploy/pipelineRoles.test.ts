import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { readStackSettings } from "../../config/stackFile";
import { stackPrefix } from "../../components/aws/names";
import { DEPLOYED_STACKS, DeploymentsSchema } from "../../deploy/settings";
import {
    DATA_READ_ACTIONS,
    MAX_SESSION_SECONDS,
    PLATFORM_PROJECT,
    REGIONAL_ACTIONS,
    deployPermissionsPolicy,
    deploymentsRoleName,
    deploymentsTrustPolicy,
    githubRoleName,
    githubTrustPolicy,
    roleArn,
} from "../../pipeline-roles/documents";
import { IDENTITY_STACKS, IdentitySchema } from "../../pipeline-roles/settings";
import { installMocks } from "../harness/program";
import { ACCOUNT_ID } from "../harness/mockOutputs";
import { RecordedResource } from "../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const ROOT = join(__dirname, "..", "..");
const PROJECT = "claude-enhancer-pipeline-roles";
const GITHUB_PROVIDER = "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com";
const PULUMI_PROVIDER = "arn:aws:iam::210987654321:oidc-provider/api.pulumi.com/oidc";

function identitySettings(stack: string): Record<string, any> {
    const file = parse(readFileSync(join(ROOT, "pipeline-roles", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return file.config[`${PROJECT}:settings`] as Record<string, any>;
}

function deploySettings() {
    const file = parse(readFileSync(join(ROOT, "deploy", "Pulumi.cloud.yaml"), "utf8")) as { config: Record<string, unknown> };
    return DeploymentsSchema.parse(file.config["claude-enhancer-deployments:settings"]);
}

async function runIdentityProgram(
    stack: string,
    settings: unknown,
): Promise<{ resources: RecordedResource[]; outputs: Record<string, unknown> }> {
    const mocks = await installMocks(stack, false, PROJECT);
    pulumi.runtime.setAllConfig({ [`${PROJECT}:settings`]: JSON.stringify(settings) });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../pipeline-roles/index") as () => Promise<Record<string, pulumi.Output<string>>>;
    const exported = await program();
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(exported)) outputs[k] = await new Promise((r) => v.apply(r));
    await runtimeSettings.waitForRPCs();
    return { resources: mocks.resources, outputs };
}

describe("pipeline-roles/ (the pipelines' AWS roles)", () => {
    describe("trust", () => {
        it("a stack's GitHub role trusts only jobs of the repository running in the environment named after the stack", () => {
            assert.deepEqual(githubTrustPolicy(GITHUB_PROVIDER, "example-org/claude-enhancer", "production"), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "GitHubEnvironmentJobs",
                        Effect: "Allow",
                        Principal: { Federated: GITHUB_PROVIDER },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        // Exact values, no StringLike: a pull-request job's subject is repo:example-org/claude-enhancer:pull_request.
                        Condition: {
                            StringEquals: {
                                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                "token.actions.githubusercontent.com:sub": "repo:example-org/claude-enhancer:environment:production",
                            },
                        },
                    },
                ],
            });
        });

        it("a stack's Deployments role trusts only the organization's update deployments of that stack: no preview, refresh or destroy", () => {
            assert.deepEqual(deploymentsTrustPolicy(PULUMI_PROVIDER, "example-org", "claude-enhancer", "production"), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "PulumiDeploymentsUpdates",
                        Effect: "Allow",
                        Principal: { Federated: PULUMI_PROVIDER },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                "api.pulumi.com/oidc:aud": "example-org",
                                "api.pulumi.com/oidc:sub": [
                                    "pulumi:deploy:org:example-org:project:claude-enhancer:stack:production:operation:update:scope:write",
                                ],
                            },
                        },
                    },
                ],
            });
        });
    });

    describe("permissions", () => {
        const scope = { partition: "aws", accountId: "210987654321", stack: "production", regions: ["us-east-1", "us-west-2"] };
        const policy = deployPermissionsPolicy(scope);
        const statement = (sid: string) => policy.Statement.find((s) => s.Sid === sid);

        it("the platform's regional services only in the stack's regions; S3 and Budgets only on the stack's own names", () => {
            assert.deepEqual(statement("PlatformServicesInTheStacksRegions"), {
                Sid: "PlatformServicesInTheStacksRegions",
                Effect: "Allow",
                Action: REGIONAL_ACTIONS,
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestedRegion": ["us-east-1", "us-west-2"] } },
            });
            assert.ok(
                !REGIONAL_ACTIONS.includes("secretsmanager:*") &&
                    !REGIONAL_ACTIONS.some((a) => a.startsWith("iam:") || a.startsWith("sts:")),
            );
            assert.deepEqual(statement("TheStacksBuckets")?.Resource, "arn:aws:s3:::claude-enhancer-production-*");
            assert.deepEqual(statement("TheStacksBudgets")?.Resource, "arn:aws:budgets::210987654321:budget/claude-enhancer-production-*");
        });

        it("IAM: the program's roles and its clusters' IRSA providers, never a pipeline role, and nothing account-wide", () => {
            assert.deepEqual(statement("PlatformRoles"), {
                Sid: "PlatformRoles",
                Effect: "Allow",
                Action: "iam:*Role*",
                Resource: "arn:aws:iam::210987654321:role/*",
            });
            assert.deepEqual(statement("ClusterIrsaProviders")?.Resource, "arn:aws:iam::210987654321:oidc-provider/oidc.eks.*");
            assert.deepEqual(statement("NeverThePipelineRoles"), {
                Sid: "NeverThePipelineRoles",
                Effect: "Deny",
                Action: "iam:*",
                Resource: ["arn:aws:iam::210987654321:role/github-actions-*", "arn:aws:iam::210987654321:role/pulumi-deployments-*"],
            });
            for (const name of [githubRoleName("production"), deploymentsRoleName("staging")]) {
                assert.match(roleArn(scope, name), /^arn:aws:iam::210987654321:role\/(github-actions|pulumi-deployments)-/, name);
            }
            // No Allow names every action or every resource of a global service.
            for (const s of policy.Statement.filter((s) => s.Effect === "Allow")) {
                const actions = ([] as string[]).concat(s.Action);
                assert.ok(!actions.some((a) => a === "*" || a === "iam:*" || a === "sts:*" || (a === "s3:*" && s.Resource === "*")), s.Sid);
                if (s.Resource === "*" && s.Sid !== "ServiceHostRecords")
                    assert.ok(s.Condition?.StringEquals?.["aws:RequestedRegion"], s.Sid);
            }
        });

        it("reads none of the data the platform holds (backups, documents, logs)", () => {
            assert.deepEqual(statement("NoDataReads"), { Sid: "NoDataReads", Effect: "Deny", Action: DATA_READ_ACTIONS, Resource: "*" });
            for (const action of ["s3:GetObject*", "es:ESHttp*", "logs:GetLogEvents", "rds:DownloadDBLogFilePortion"]) {
                assert.ok(DATA_READ_ACTIONS.includes(action), action);
            }
        });
    });

    describe("the stack files", () => {
        it("one pipeline-roles stack per deployed stack, each in its own account, in the platform stack's region and DR region", () => {
            assert.deepEqual(IDENTITY_STACKS, DEPLOYED_STACKS);
            const accounts = IDENTITY_STACKS.map((stack) => IdentitySchema.parse(identitySettings(stack)).accountId);
            assert.deepEqual(accounts, ["123456789012", "210987654321"]);
            for (const stack of IDENTITY_STACKS) {
                const { aws } = readStackSettings(stack) as { aws: { region: string; drRegion: string } };
                assert.deepEqual(IdentitySchema.parse(identitySettings(stack)).regions, [aws.region, aws.drRegion], stack);
            }
        });

        it("deploy/ names each stack's Deployments role, for the same organization and repository, within the role's session limit", () => {
            const deploy = deploySettings();
            for (const stack of IDENTITY_STACKS) {
                const identity = IdentitySchema.parse(identitySettings(stack));
                assert.equal(
                    deploy.stacks[stack].awsRoleArn,
                    roleArn({ partition: "aws", accountId: identity.accountId }, deploymentsRoleName(stack)),
                );
                assert.equal(identity.pulumiDeployments?.organization, deploy.organization);
                assert.equal(identity.pulumiDeployments?.project, deploy.project);
                assert.equal(identity.github?.repository, deploy.repository);
                const [, h, m, s] = /^(\d+)h(\d+)m(\d+)s$/.exec(deploy.stacks[stack].sessionDuration)!.map(Number);
                assert.ok(h * 3600 + m * 60 + s <= MAX_SESSION_SECONDS, `${stack}: ${deploy.stacks[stack].sessionDuration}`);
            }
        });

        it("the buckets and budgets the roles may touch are the ones the platform names", () => {
            const project = (parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;
            assert.equal(PLATFORM_PROJECT, project);
            const policy = deployPermissionsPolicy({
                partition: "aws",
                accountId: "123456789012",
                stack: "staging",
                regions: ["us-east-1"],
            });
            assert.equal(
                policy.Statement.find((s) => s.Sid === "TheStacksBuckets")?.Resource,
                `arn:aws:s3:::${stackPrefix(project, "staging")}-*`,
            );
        });

        it("rejects bad settings with the key and what was expected", () => {
            const result = IdentitySchema.safeParse({ accountId: "2109", regions: ["us-east"], github: { repository: "claude-enhancer" } });
            assert.ok(!result.success);
            assert.deepEqual(
                result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
                [
                    "accountId: a 12-digit AWS account ID",
                    "regions.0: an AWS region such as us-east-1",
                    "github.repository: a GitHub repository as owner/name, spelled as GitHub does",
                ],
            );
            const neither = IdentitySchema.safeParse({ accountId: "210987654321", regions: ["us-east-1"] });
            assert.deepEqual(
                neither.error?.issues.map((i) => i.message),
                ["github, pulumiDeployments or both: the pipelines that deploy this stack"],
            );
        });
    });

    describe("the program under mocks", () => {
        // The mocks answer as account 123456789012, staging's.
        let run: Awaited<ReturnType<typeof runIdentityProgram>>;
        before(async () => {
            run = await runIdentityProgram("staging", identitySettings("staging"));
        });
        const ofType = (type: string) => run.resources.filter((r) => r.type === type);

        it("works through a provider that refuses any account but the stack's", () => {
            const [provider] = ofType("pulumi:providers:aws");
            assert.equal(provider.name, "account");
            assert.equal(provider.inputs.region, "us-east-1");
            assert.deepEqual(JSON.parse(provider.inputs.allowedAccountIds), [ACCOUNT_ID]);
            for (const r of run.resources.filter((r) => r.type.startsWith("aws:"))) assert.match(r.provider ?? "", /::account::/, r.name);
        });

        it("creates GitHub's and Pulumi Cloud's OIDC providers and a role for each, with the documents above", () => {
            const providers = ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            assert.deepEqual(
                providers.map((p) => [p.name, p.inputs.url, p.inputs.clientIdLists]),
                [
                    ["github", "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"]],
                    ["pulumi", "https://api.pulumi.com/oidc", ["example-org"]],
                ],
            );
            const arnOf = (name: string) => providers.find((p) => p.name === name)!.state.arn as string;
            const roles = ofType("aws:iam/role:Role");
            assert.deepEqual(
                roles.map((r) => [r.inputs.name, r.inputs.maxSessionDuration, JSON.parse(r.inputs.assumeRolePolicy)]),
                [
                    ["github-actions-staging", 7200, githubTrustPolicy(arnOf("github"), "example-org/claude-enhancer", "staging")],
                    [
                        "pulumi-deployments-staging",
                        7200,
                        deploymentsTrustPolicy(arnOf("pulumi"), "example-org", "claude-enhancer", "staging"),
                    ],
                ],
            );
            const permissions = deployPermissionsPolicy({
                partition: "aws",
                accountId: "123456789012",
                stack: "staging",
                regions: ["us-east-1", "us-west-2"],
            });
            const policies = ofType("aws:iam/rolePolicy:RolePolicy");
            assert.deepEqual(
                policies.map((p) => [p.name, p.inputs.name, JSON.parse(p.inputs.policy)]),
                [
                    ["github-actions-staging-deploy", "deploy", permissions],
                    ["pulumi-deployments-staging-deploy", "deploy", permissions],
                ],
            );
            assert.deepEqual(Object.keys(run.outputs), ["githubRoleArn", "deploymentsRoleArn"]);
        });

        it("reuses an account's existing provider, and creates only the pipelines configured", async () => {
            const settings = identitySettings("staging");
            const existing = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
            const only = await runIdentityProgram("staging", {
                ...settings,
                github: { ...settings.github, providerArn: existing },
                pulumiDeployments: undefined,
            });
            assert.deepEqual(
                only.resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"),
                [],
            );
            const [role] = only.resources.filter((r) => r.type === "aws:iam/role:Role");
            assert.equal(role.inputs.name, "github-actions-staging");
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, { Federated: existing });
            assert.deepEqual(Object.keys(only.outputs), ["githubRoleArn"]);
        });

        it("refuses a stack that is not a deployed platform stack, and bad settings, before creating anything", async () => {
            await assert.rejects(runIdentityProgram("local", { ...identitySettings("staging"), accountId: "1" }), (err: Error) =>
                err.message.includes(
                    "invalid configuration:\n  claude-enhancer-pipeline-roles:settings.accountId: a 12-digit AWS account ID\n  stack local: one of staging, production (the platform stack whose pipelines these roles serve)",
                ),
            );
        });
    });
});
