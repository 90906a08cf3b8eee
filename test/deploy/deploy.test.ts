import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { DEPLOYED_STACKS, DeploymentsConfig, DeploymentsSchema, deploymentSettingsArgs, policyGroupArgs } from "../../deploy/settings";
import { deploymentsRoleName, roleArn } from "../../pipeline-roles/documents";
import { reconcileConfig } from "../../policies/analyzer";
import { pack } from "../../policies/pack";
import { installMocks } from "../harness/program";
import { RecordedResource } from "../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const ROOT = join(__dirname, "..", "..");
const DEPLOY = join(ROOT, "deploy");
const PROJECT = "claude-enhancer-deployments";

function stackSettings(): Record<string, unknown> {
    const file = parse(readFileSync(join(DEPLOY, "Pulumi.cloud.yaml"), "utf8")) as { config: Record<string, unknown> };
    return file.config[`${PROJECT}:settings`] as Record<string, unknown>;
}

const config = (): DeploymentsConfig => DeploymentsSchema.parse(stackSettings());

async function runDeployProgram(settings: unknown): Promise<{ resources: RecordedResource[]; outputs: Record<string, unknown> }> {
    const mocks = await installMocks("cloud", false, PROJECT);
    pulumi.runtime.setAllConfig({ [`${PROJECT}:settings`]: JSON.stringify(settings) });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../deploy/index") as () => Promise<Record<string, pulumi.Output<unknown> | unknown>>;
    const exported = await program();
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(exported)) {
        outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((r) => (v as pulumi.Output<unknown>).apply(r)) : v;
    }
    await runtimeSettings.waitForRPCs();
    return { resources: mocks.resources, outputs };
}

describe("deploy/ (Pulumi Cloud setup)", () => {
    describe("settings", () => {
        it("the example stack file validates", () => {
            assert.equal(config().policyMode, "preventative");
        });

        it("staging deploys pushes to main, previews no pull request, installs from the lockfile and assumes its role through OIDC", () => {
            assert.deepEqual(deploymentSettingsArgs(config(), "staging"), {
                organization: "example-org",
                project: "claude-enhancer",
                stack: "staging",
                vcs: {
                    provider: "github",
                    repository: "example-org/claude-enhancer",
                    deployCommits: true,
                    previewPullRequests: false,
                    pullRequestTemplate: false,
                },
                sourceContext: { git: { branch: "refs/heads/main", repoDir: "." } },
                operationContext: {
                    preRunCommands: ["npm ci --no-audit --no-fund", "npm run -s rollout:stage -- --stack staging"],
                    options: { skipInstallDependencies: true, skipIntermediateDeployments: false },
                    oidc: {
                        aws: {
                            roleARN: "arn:aws:iam::123456789012:role/pulumi-deployments-staging",
                            sessionName: "pulumi-deployments-staging",
                            duration: "2h0m0s",
                        },
                    },
                },
                cacheOptions: { enable: true },
                agentPoolId: "0b7e2f4c-1d3a-4c5e-9f60-7a8b9c0d1e2f",
            });
        });

        it("each stack runs on its own customer-managed agent pool (inside its VPC), hosted runners without one", () => {
            assert.equal(deploymentSettingsArgs(config(), "production").agentPoolId, "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f");
            const raw = stackSettings() as { stacks: Record<string, Record<string, unknown>> };
            const { agentPoolId: _omitted, ...hosted } = raw.stacks.staging;
            const withoutPool = DeploymentsSchema.parse({ ...raw, stacks: { ...raw.stacks, staging: hosted } });
            assert.ok(!("agentPoolId" in deploymentSettingsArgs(withoutPool, "staging")), "no agentPoolId key: Pulumi-hosted runners");
            const bad = DeploymentsSchema.safeParse({
                ...raw,
                stacks: { ...raw.stacks, production: { ...raw.stacks.production, agentPoolId: "pool-1" } },
            });
            assert.ok(!bad.success);
            assert.deepEqual(
                bad.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
                ["stacks.production.agentPoolId: an agent pool ID (a UUID, as Pulumi Cloud shows it)"],
            );
        });

        it("a rollout stack never skips an intermediate deployment, and every update runs the committed stage with automatic rollback", () => {
            for (const stack of ["staging", "production"] as const) {
                const { operationContext } = deploymentSettingsArgs(config(), stack) as {
                    operationContext: { preRunCommands: string[]; options: { skipIntermediateDeployments: boolean } };
                };
                assert.equal(operationContext.options.skipIntermediateDeployments, false, stack);
                // The runner (bin/rolloutStage.ts) acts for updates only (PULUMI_CI_OPERATION) and fails the deployment with the gate's report.
                assert.equal(operationContext.preRunCommands.at(-1), `npm run -s rollout:stage -- --stack ${stack}`);
            }
        });

        it("no stack previews pull requests, and asking for it fails with the reason", () => {
            for (const stack of DEPLOYED_STACKS) {
                const vcs = deploymentSettingsArgs(config(), stack).vcs as {
                    previewPullRequests?: boolean;
                    pullRequestTemplate?: boolean;
                    deployPullRequest?: number;
                };
                // Stated, since the provider's default is to preview them; no review stacks, no pull request deployed.
                assert.equal(vcs.previewPullRequests, false, stack);
                assert.equal(vcs.pullRequestTemplate, false, stack);
                assert.ok(!("deployPullRequest" in vcs), stack);
            }
            const raw = stackSettings() as { stacks: Record<string, Record<string, unknown>> };
            const asked = DeploymentsSchema.safeParse({
                ...raw,
                stacks: { ...raw.stacks, production: { ...raw.stacks.production, previewPullRequests: true } },
            });
            assert.ok(!asked.success);
            assert.deepEqual(
                asked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
                [
                    "stacks.production.previewPullRequests: false: a pull-request preview would run the pull request's code with the stack's role and state (docs/pipelines.md)",
                ],
            );
        });

        it("production follows the release branch with its own account's role", () => {
            const production = deploymentSettingsArgs(config(), "production") as {
                sourceContext: unknown;
                operationContext: { oidc: { aws: { roleARN: string } } };
            };
            assert.deepEqual(production.sourceContext, { git: { branch: "refs/heads/release", repoDir: "." } });
            assert.equal(production.operationContext.oidc.aws.roleARN, "arn:aws:iam::210987654321:role/pulumi-deployments-production");
        });

        it("each stack's policy group enforces the pack version with that stack's policy config", () => {
            const production = JSON.parse(readFileSync(join(ROOT, "policies", "config", "production.json"), "utf8"));
            assert.deepEqual(policyGroupArgs(config(), "production", "1.0.0", production), {
                name: "claude-enhancer-production",
                organizationName: "example-org",
                entityType: "stacks",
                mode: "preventative",
                stacks: [{ name: "production", routingProject: "claude-enhancer" }],
                policyPacks: [{ name: "claude-enhancer", versionTag: "1.0.0", config: production }],
            });
        });

        it("rejects bad settings with the key path and the expectation", () => {
            const result = DeploymentsSchema.safeParse({
                ...stackSettings(),
                repository: "no-slash",
                stacks: { staging: { branch: "main", deployCommits: true, awsRoleArn: "role" } },
            });
            assert.ok(!result.success);
            const messages = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
            assert.ok(messages.includes("repository: a GitHub repository as owner/name"), messages.join("\n"));
            assert.ok(
                messages.includes("stacks.staging.awsRoleArn: an IAM role ARN such as arn:aws:iam::123456789012:role/pulumi-deployments"),
                messages.join("\n"),
            );
            assert.ok(
                messages.some((m) => m.startsWith("stacks.production:")),
                messages.join("\n"),
            );
        });

        it("every stack's policy config is a valid config of the pack", () => {
            for (const stack of ["staging", "production", "local"]) {
                assert.doesNotThrow(
                    () => reconcileConfig(pack, JSON.parse(readFileSync(join(ROOT, "policies", "config", `${stack}.json`), "utf8"))),
                    stack,
                );
            }
        });
    });

    describe("the deploy program under mocks", () => {
        let run: Awaited<ReturnType<typeof runDeployProgram>>;
        before(async () => {
            run = await runDeployProgram(stackSettings());
        });

        const ofType = (type: string) => run.resources.filter((r) => r.type === type);

        it("publishes the policy pack from ../policies at its package.json version, through an explicit provider", () => {
            const [published] = ofType("pulumiservice:index:PolicyPack");
            assert.deepEqual(published.inputs, {
                organization: "example-org",
                name: "claude-enhancer",
                displayName: "Claude Enhancer guardrails",
                sourcePath: "../policies",
                versionTag: pack.version,
            });
            assert.match(published.provider ?? "", /pulumi:providers:pulumiservice::pulumi-cloud::/);
            assert.equal(run.outputs.policyPackVersion, pack.version);
        });

        it("creates a policy group and deployment settings for staging and production only, each group before its settings", () => {
            const groups = ofType("pulumiservice:index:PolicyGroup");
            const settings = ofType("pulumiservice:index:DeploymentSettings");
            assert.deepEqual(groups.map((g) => g.inputs.name).sort(), ["claude-enhancer-production", "claude-enhancer-staging"]);
            assert.deepEqual(settings.map((s) => s.inputs.stack).sort(), ["production", "staging"]);
            const staging = settings.find((s) => s.inputs.stack === "staging")!;
            const stagingGroup = groups.find((g) => g.inputs.name === "claude-enhancer-staging")!;
            assert.ok(staging.dependsOn.includes(stagingGroup.urn));
            assert.equal(staging.inputs.agentPoolId, "0b7e2f4c-1d3a-4c5e-9f60-7a8b9c0d1e2f");
            assert.deepEqual(
                stagingGroup.inputs.policyPacks[0].config,
                JSON.parse(readFileSync(join(ROOT, "policies", "config", "staging.json"), "utf8")),
            );
            assert.deepEqual(run.outputs.deployedStacks, ["example-org/claude-enhancer/staging", "example-org/claude-enhancer/production"]);
        });

        it("Pulumi Cloud is told to preview no pull request and to assume, per stack, the role that trusts only that stack's updates", () => {
            const settings = ofType("pulumiservice:index:DeploymentSettings");
            assert.deepEqual(
                settings.map((s) => [
                    s.inputs.stack,
                    s.inputs.vcs.previewPullRequests,
                    s.inputs.vcs.pullRequestTemplate,
                    s.inputs.vcs.deployPullRequest,
                ]),
                [
                    ["staging", false, false, undefined],
                    ["production", false, false, undefined],
                ],
            );
            for (const s of settings) {
                const identity = parse(readFileSync(join(ROOT, "pipeline-roles", `Pulumi.${s.inputs.stack}.yaml`), "utf8")) as {
                    config: Record<string, any>;
                };
                const { accountId } = identity.config["claude-enhancer-pipeline-roles:settings"];
                assert.equal(
                    s.inputs.operationContext.oidc.aws.roleARN,
                    roleArn({ partition: "aws", accountId }, deploymentsRoleName(s.inputs.stack)),
                );
            }
        });

        it("the pipeline is a component parenting everything", () => {
            const component = run.resources.find((r) => r.type === "claude-enhancer:deploy:Pipeline")!;
            for (const r of run.resources.filter((r) => r.type.startsWith("pulumiservice:index:")))
                assert.equal(r.parentUrn, component.urn, r.name);
        });
    });
});
