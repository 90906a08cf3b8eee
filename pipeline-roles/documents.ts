/**
 * The pipelines' AWS identities as plain values: who may assume a stack's deploy role (one GitHub
 * environment, or Pulumi Deployments' update of that one stack) and what the role may do (the
 * services the platform manages, in the stack's regions, never the pipeline roles themselves).
 * Built from resolved strings, so every condition is tested directly (test/deploy/pipelineRoles.test.ts).
 */
import type { PolicyDocument, PolicyStatement } from "../components/aws/iamDocuments";

/** The platform's Pulumi project (Pulumi.yaml `name`): its stack prefix names the buckets and budgets. */
export const PLATFORM_PROJECT = "claude-enhancer";

/** GitHub Actions' OIDC issuer (host and path, as IAM names its condition keys) and the audience configure-aws-credentials asks for. */
export const GITHUB_ISSUER = "token.actions.githubusercontent.com";
export const GITHUB_AUDIENCE = "sts.amazonaws.com";

/** Pulumi Cloud's OIDC issuer; a Deployments token's audience is the organization's name. */
export const PULUMI_ISSUER = "api.pulumi.com/oidc";

/**
 * The Deployments operations that get the role: `update` only. A pull-request preview (operation
 * `preview`) runs the pull request's code, and destroy is never the pipeline's to run, so neither can
 * assume it, even if pull-request previews were switched on in Pulumi Cloud's console.
 */
export const DEPLOYMENT_OPERATIONS = ["update"] as const;

/** Longest session of a deploy role: a stage's bake (up to 45 min) and its rollback fit; Deployments asks for 2h0m0s by default. */
export const MAX_SESSION_SECONDS = 7200;

/** Names of the pipeline roles: GitHub's environment job and Pulumi Deployments each have their own, so CloudTrail tells them apart. */
export const GITHUB_ROLE_PREFIX = "github-actions-";
export const DEPLOYMENTS_ROLE_PREFIX = "pulumi-deployments-";

export function githubRoleName(stack: string): string {
    return `${GITHUB_ROLE_PREFIX}${stack}`;
}

export function deploymentsRoleName(stack: string): string {
    return `${DEPLOYMENTS_ROLE_PREFIX}${stack}`;
}

/** The AWS account a stack deploys into, and the regions it uses (its region and DR region). */
export interface DeployScope {
    partition: string;
    accountId: string;
    /** The platform stack (staging, production). */
    stack: string;
    regions: readonly string[];
}

export function roleArn(scope: Pick<DeployScope, "partition" | "accountId">, name: string): string {
    return `arn:${scope.partition}:iam::${scope.accountId}:role/${name}`;
}

/**
 * GitHub's `sub` claim for a job that runs in a deployment environment. A job gets it only by naming
 * the environment, and the environment's protection rules (deployment branches, required reviewers)
 * decide whether the job runs at all; pull-request jobs carry `repo:<repo>:pull_request` instead.
 */
export function githubEnvironmentSubject(repository: string, environment: string): string {
    return `repo:${repository}:environment:${environment}`;
}

/** Pulumi Deployments' `sub` claim for one operation of one stack (its scope is always `write`). */
export function deploymentsSubject(organization: string, project: string, stack: string, operation: string): string {
    return `pulumi:deploy:org:${organization}:project:${project}:stack:${stack}:operation:${operation}:scope:write`;
}

/** Trust policy of a stack's GitHub role: only jobs of `repository` running in the `environment` deployment environment. */
export function githubTrustPolicy(providerArn: string, repository: string, environment: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GitHubEnvironmentJobs",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${GITHUB_ISSUER}:aud`]: GITHUB_AUDIENCE,
                        [`${GITHUB_ISSUER}:sub`]: githubEnvironmentSubject(repository, environment),
                    },
                },
            },
        ],
    };
}

/** Trust policy of a stack's Pulumi Deployments role: only the organization's deployments of that stack, for the operations above. */
export function deploymentsTrustPolicy(providerArn: string, organization: string, project: string, stack: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "PulumiDeploymentsUpdates",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${PULUMI_ISSUER}:aud`]: organization,
                        [`${PULUMI_ISSUER}:sub`]: DEPLOYMENT_OPERATIONS.map((op) => deploymentsSubject(organization, project, stack, op)),
                    },
                },
            },
        ],
    };
}

/**
 * The regional services the platform program creates and changes (README: What it provisions), with
 * the few Secrets Manager calls RDS makes on the caller's behalf for its managed master password.
 */
export const REGIONAL_ACTIONS = [
    "autoscaling:*",
    "backup:*",
    "backup-storage:MountCapsule",
    "cloudwatch:*",
    "ec2:*",
    "ecr:*",
    "eks:*",
    "elasticache:*",
    "es:*",
    "kms:*",
    "logs:*",
    "rds:*",
    "secretsmanager:CreateSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:TagResource",
];

/** Reads of the data the platform holds: an update never needs them, so the role cannot read backups, logs, documents or database logs. */
export const DATA_READ_ACTIONS = [
    "s3:GetObject*",
    "es:ESHttp*",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:StartLiveTail",
    "rds:DownloadDBLogFilePortion",
    "rds:DownloadCompleteDBLogFile",
];

/**
 * What a stack's deploy role may do:
 * - the regional services above, in the stack's regions only;
 * - S3 on the stack's own buckets (`<project>-<stack>-*`) and Budgets on its own budgets;
 * - Route 53 record changes (the service's host record; zones are not the program's);
 * - IAM roles (the program's service and IRSA roles, service-linked roles) and the clusters' IRSA
 *   OIDC providers, but never a pipeline role, so a compromised update cannot widen its own trust
 *   or permissions; no users, access keys, groups or other identity providers.
 */
export function deployPermissionsPolicy(scope: DeployScope): PolicyDocument {
    const { partition, accountId } = scope;
    const prefix = `${PLATFORM_PROJECT}-${scope.stack}`;
    const iam = (resource: string) => `arn:${partition}:iam::${accountId}:${resource}`;
    const statements: PolicyStatement[] = [
        {
            Sid: "PlatformServicesInTheStacksRegions",
            Effect: "Allow",
            Action: REGIONAL_ACTIONS,
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": [...scope.regions] } },
        },
        { Sid: "TheStacksBuckets", Effect: "Allow", Action: "s3:*", Resource: `arn:${partition}:s3:::${prefix}-*` },
        {
            Sid: "TheStacksBudgets",
            Effect: "Allow",
            Action: "budgets:*",
            Resource: `arn:${partition}:budgets::${accountId}:budget/${prefix}-*`,
        },
        {
            Sid: "ServiceHostRecords",
            Effect: "Allow",
            Action: ["route53:ChangeResourceRecordSets", "route53:Get*", "route53:List*"],
            Resource: "*",
        },
        { Sid: "PlatformRoles", Effect: "Allow", Action: "iam:*Role*", Resource: iam("role/*") },
        { Sid: "ClusterIrsaProviders", Effect: "Allow", Action: "iam:*OpenIDConnectProvider*", Resource: iam("oidc-provider/oidc.eks.*") },
        {
            Sid: "NeverThePipelineRoles",
            Effect: "Deny",
            Action: "iam:*",
            Resource: [iam(`role/${GITHUB_ROLE_PREFIX}*`), iam(`role/${DEPLOYMENTS_ROLE_PREFIX}*`)],
        },
        { Sid: "NoDataReads", Effect: "Deny", Action: DATA_READ_ACTIONS, Resource: "*" },
    ];
    return { Version: "2012-10-17", Statement: statements };
}
