/**
 * What Pulumi Cloud runs for each of the platform's stacks, as plain values: the Deployments
 * settings (source, triggers, pre-run commands, OIDC credentials) and the policy group that
 * enforces the pack with that stack's policy config on every preview and update.
 */
import type * as service from "@pulumi/pulumiservice";
import { z } from "zod";

/** The platform's stacks Pulumi Cloud deploys; `local` runs against any kubeconfig cluster from a workstation. */
export const DEPLOYED_STACKS = ["staging", "production"] as const;
export type DeployedStack = (typeof DEPLOYED_STACKS)[number];

export const StackDeploymentSchema = z.strictObject({
    /** The branch this stack follows: pushes to it run `pulumi up`, pull requests against it run previews. */
    branch: z.string().regex(/^[\w./-]+$/, "a git branch name such as main"),
    /** Whether a push to the branch deploys; false leaves updates to manual runs (Pulumi Cloud UI, API or CLI). */
    deployCommits: z.boolean(),
    /**
     * Off, and only off: a pull-request preview runs the pull request's code with the stack's role and
     * a deployment token that can write the stack's state, and Deployments has no reviewer gate for it.
     */
    previewPullRequests: z
        .literal(false, {
            error: "false: a pull-request preview would run the pull request's code with the stack's role and state (docs/pipelines.md)",
        })
        .default(false),
    /**
     * IAM role the deployment assumes with its Pulumi OIDC token: the identity stack's `deploymentsRoleArn`
     * (pipeline-roles/), which trusts only this stack's update deployments.
     */
    awsRoleArn: z
        .string()
        .regex(
            /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
            "an IAM role ARN such as arn:aws:iam::123456789012:role/pulumi-deployments",
        ),
    /**
     * A customer-managed agent pool (Pulumi Cloud > Settings > Organization > Workflow runner pools) whose runners
     * run inside the stack's VPC, so deployments reach a private EKS endpoint (docs/pipelines.md);
     * unset: Pulumi-hosted runners, which reach only a public endpoint open to them.
     */
    agentPoolId: z
        .string()
        .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "an agent pool ID (a UUID, as Pulumi Cloud shows it)")
        .optional(),
    /** Lifetime of the assumed-role session, in Pulumi's XhYmZs form. */
    sessionDuration: z
        .string()
        .regex(/^\d+h\d+m\d+s$/, "a duration such as 1h0m0s")
        .default("2h0m0s"),
});

export const DeploymentsSchema = z.strictObject({
    organization: z.string().regex(/^[\w.-]+$/, "a Pulumi Cloud organization name"),
    /** The platform's Pulumi project (Pulumi.yaml `name`). */
    project: z.string().min(1).default("claude-enhancer"),
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "a GitHub repository as owner/name"),
    stacks: z.strictObject({ staging: StackDeploymentSchema, production: StackDeploymentSchema }),
    /** preventative blocks an update on a mandatory violation; audit only reports. */
    policyMode: z.enum(["preventative", "audit"]).default("preventative"),
});

export type DeploymentsConfig = z.infer<typeof DeploymentsSchema>;
export type StackDeploymentConfig = z.infer<typeof StackDeploymentSchema>;

export const POLICY_PACK_NAME = "claude-enhancer";

/** The dependencies are installed from the lockfile (reproducible) instead of Deployments' default `npm install`. */
export const PRE_RUN_COMMANDS = ["npm ci --no-audit --no-fund"];

/**
 * The committed stage's update with automatic rollback (bin/rolloutStage.ts): for an update it runs
 * `pulumi up` with the pack and, when the stage fails at its health gate, the rollback update, then
 * fails the deployment with the gate's report; Deployments' own `pulumi up` that follows a success is
 * a no-op (a passed gate does not re-run). For a preview it does nothing.
 */
export function rolloutStageCommand(stack: DeployedStack): string {
    return `npm run -s rollout:stage -- --stack ${stack}`;
}

export function deploymentSettingsArgs(config: DeploymentsConfig, stack: DeployedStack): service.DeploymentSettingsArgs {
    const settings = config.stacks[stack];
    return {
        organization: config.organization,
        project: config.project,
        stack,
        vcs: {
            provider: "github",
            repository: config.repository,
            deployCommits: settings.deployCommits,
            // Stated, not omitted: the provider's default is to preview every pull request.
            previewPullRequests: settings.previewPullRequests,
            // Review stacks would run pull requests' code with these settings, role included.
            pullRequestTemplate: false,
        },
        sourceContext: { git: { branch: `refs/heads/${settings.branch}`, repoDir: "." } },
        operationContext: {
            preRunCommands: [...PRE_RUN_COMMANDS, rolloutStageCommand(stack)],
            // Every pushed stage is deployed, in order: a rollout never skips an intermediate stage.
            options: { skipInstallDependencies: true, skipIntermediateDeployments: false },
            oidc: { aws: { roleARN: settings.awsRoleArn, sessionName: `pulumi-deployments-${stack}`, duration: settings.sessionDuration } },
        },
        cacheOptions: { enable: true },
        ...(settings.agentPoolId !== undefined ? { agentPoolId: settings.agentPoolId } : {}),
    };
}

/**
 * The policy group that applies the pack to one stack with that stack's policy config, so every
 * preview (pull requests) and update (pushes, manual runs) of the stack is checked: Deployments
 * has no `--policy-pack` argument; Pulumi Cloud enforces the groups a stack belongs to.
 */
export function policyGroupArgs(
    config: DeploymentsConfig,
    stack: DeployedStack,
    packVersion: string,
    policyConfig: Record<string, unknown>,
): service.PolicyGroupArgs {
    return {
        name: `${config.project}-${stack}`,
        organizationName: config.organization,
        entityType: "stacks",
        mode: config.policyMode,
        stacks: [{ name: stack, routingProject: config.project }],
        policyPacks: [{ name: POLICY_PACK_NAME, versionTag: packVersion, config: policyConfig }],
    };
}
