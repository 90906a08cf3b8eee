/** The pipeline-roles stack's settings (`claude-enhancer-pipeline-roles:settings` in `Pulumi.<stack>.yaml`), validated on load. */
import { z } from "zod";

/** One pipeline-roles stack per platform stack, each in that stack's AWS account. */
export const IDENTITY_STACKS = ["staging", "production"] as const;
export type IdentityStack = (typeof IDENTITY_STACKS)[number];

const ProviderArn = z
    .string()
    .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[\w./-]+$/,
        "an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    );

export const IdentitySchema = z
    .strictObject({
        /** The stack's AWS account: the provider refuses credentials of any other, so a stack's trust never lands in another's account. */
        accountId: z.string().regex(/^\d{12}$/, "a 12-digit AWS account ID"),
        /** The stack's region and DR region (`claude-enhancer:aws` of the platform's stack file): the deploy roles act only there. */
        regions: z.array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region such as us-east-1")).min(1),
        /** The GitHub workflow's role, for jobs in the environment named after the stack. */
        github: z
            .strictObject({
                repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "a GitHub repository as owner/name, spelled as GitHub does"),
                /** The account's existing provider for GitHub's issuer (an account holds one per issuer); unset: created here. */
                providerArn: ProviderArn.optional(),
            })
            .optional(),
        /** Pulumi Deployments' role, for the stack's update deployments. */
        pulumiDeployments: z
            .strictObject({
                organization: z.string().regex(/^[\w.-]+$/, "a Pulumi Cloud organization name"),
                /** The platform's Pulumi project (Pulumi.yaml `name`). */
                project: z.string().min(1).default("claude-enhancer"),
                /** The account's existing provider for api.pulumi.com/oidc, whose audiences include the organization; unset: created here. */
                providerArn: ProviderArn.optional(),
            })
            .optional(),
    })
    .refine((s) => s.github !== undefined || s.pulumiDeployments !== undefined, {
        message: "github, pulumiDeployments or both: the pipelines that deploy this stack",
    });

export type IdentitySettings = z.infer<typeof IdentitySchema>;
