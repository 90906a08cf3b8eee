/**
 * The pipelines' identities in one platform stack's AWS account (run from pipeline-roles/ with that
 * account's administrator credentials: `pulumi up --stack production`): the OIDC providers of GitHub
 * Actions and Pulumi Cloud, and a deploy role per pipeline, each trusting only its own subject
 * (pipeline-roles/documents.ts). Its outputs are the role ARNs the environments and deploy/ name.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../components/aws/iamDocuments";
import {
    GITHUB_AUDIENCE,
    GITHUB_ISSUER,
    MAX_SESSION_SECONDS,
    PULUMI_ISSUER,
    deployPermissionsPolicy,
    deploymentsRoleName,
    deploymentsTrustPolicy,
    githubRoleName,
    githubTrustPolicy,
} from "./documents";
import { IDENTITY_STACKS, IdentitySchema } from "./settings";

function pipelineRole(
    name: string,
    description: string,
    trust: pulumi.Output<PolicyDocument>,
    permissions: PolicyDocument,
    provider: aws.Provider,
): aws.iam.Role {
    const role = new aws.iam.Role(
        name,
        { name, description, assumeRolePolicy: trust.apply((t) => JSON.stringify(t)), maxSessionDuration: MAX_SESSION_SECONDS },
        { provider },
    );
    new aws.iam.RolePolicy(`${name}-deploy`, { role: role.name, name: "deploy", policy: JSON.stringify(permissions) }, { provider });
    return role;
}

export = async () => {
    const stack = pulumi.getStack();
    const parsed = IdentitySchema.safeParse(new pulumi.Config().requireObject<unknown>("settings"));
    const problems = parsed.success
        ? []
        : parsed.error.issues.map((i) => `claude-enhancer-pipeline-roles:settings.${i.path.join(".")}: ${i.message}`);
    if (!(IDENTITY_STACKS as readonly string[]).includes(stack)) {
        problems.push(`stack ${stack}: one of ${IDENTITY_STACKS.join(", ")} (the platform stack whose pipelines these roles serve)`);
    }
    if (!parsed.success || problems.length > 0) throw new pulumi.RunError(`invalid configuration:\n  ${problems.join("\n  ")}`);
    const settings = parsed.data;

    const provider = new aws.Provider("account", { region: settings.regions[0], allowedAccountIds: [settings.accountId] });
    const { partition } = await aws.getPartition({}, { provider });
    const permissions = deployPermissionsPolicy({ partition, accountId: settings.accountId, stack, regions: settings.regions });
    const outputs: Record<string, pulumi.Output<string>> = {};

    if (settings.github) {
        const { repository } = settings.github;
        const providerArn =
            settings.github.providerArn ??
            new aws.iam.OpenIdConnectProvider("github", { url: `https://${GITHUB_ISSUER}`, clientIdLists: [GITHUB_AUDIENCE] }, { provider })
                .arn;
        outputs.githubRoleArn = pipelineRole(
            githubRoleName(stack),
            `GitHub Actions jobs of ${repository} in its ${stack} environment deploy the ${stack} stack`,
            pulumi.output(providerArn).apply((arn) => githubTrustPolicy(arn, repository, stack)),
            permissions,
            provider,
        ).arn;
    }

    if (settings.pulumiDeployments) {
        const { organization, project } = settings.pulumiDeployments;
        const providerArn =
            settings.pulumiDeployments.providerArn ??
            new aws.iam.OpenIdConnectProvider("pulumi", { url: `https://${PULUMI_ISSUER}`, clientIdLists: [organization] }, { provider })
                .arn;
        outputs.deploymentsRoleArn = pipelineRole(
            deploymentsRoleName(stack),
            `Pulumi Deployments of ${organization}/${project}/${stack} update the stack`,
            pulumi.output(providerArn).apply((arn) => deploymentsTrustPolicy(arn, organization, project, stack)),
            permissions,
            provider,
        ).arn;
    }
    return outputs;
};
