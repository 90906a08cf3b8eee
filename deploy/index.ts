/**
 * Pulumi Cloud setup of the platform (run from deploy/: `pulumi up --stack cloud`): publishes the
 * policy pack, enforces it per stack through policy groups, and configures Deployments so a push to
 * main updates staging and production follows its own branch; pull requests are never previewed
 * with a stack's credentials (docs/pipelines.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { DeploymentPipeline } from "./pipeline";
import { DEPLOYED_STACKS, DeployedStack, DeploymentsSchema } from "./settings";

const POLICIES = join(__dirname, "..", "policies");

function readJson(path: string): Record<string, unknown> {
    return JSON.parse(readFileSync(path, "utf8"));
}

export = async () => {
    const raw = new pulumi.Config().requireObject<unknown>("settings");
    const parsed = DeploymentsSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `claude-enhancer-deployments:settings.${i.path.join(".")}: ${i.message}`);
        throw new pulumi.RunError(`invalid configuration:\n  ${problems.join("\n  ")}`);
    }
    const policyConfigs = Object.fromEntries(DEPLOYED_STACKS.map((s) => [s, readJson(join(POLICIES, "config", `${s}.json`))])) as Record<
        DeployedStack,
        Record<string, unknown>
    >;
    // Reads PULUMI_ACCESS_TOKEN (and PULUMI_BACKEND_URL) like the CLI does.
    const provider = new service.Provider("pulumi-cloud", {});
    const pipeline = new DeploymentPipeline(
        "claude-enhancer",
        {
            config: parsed.data,
            policyPackPath: "../policies",
            policyPackVersion: String(readJson(join(POLICIES, "package.json")).version),
            policyConfigs,
        },
        { providers: [provider] },
    );
    return {
        policyPackVersion: pipeline.policyPackVersion,
        deployedStacks: DEPLOYED_STACKS.map((s) => `${parsed.data.organization}/${parsed.data.project}/${s}`),
    };
};
