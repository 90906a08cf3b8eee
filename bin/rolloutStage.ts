/**
 * `npm run rollout:stage -- --stack <s> [--report <file>]`
 *
 * What a pipeline runs for a push (Pulumi Deployments as a pre-run command, the GitHub workflow as
 * its update step): `pulumi up` of the stage committed in `Pulumi.<stack>.yaml`, with the policy pack
 * and the stack's pack config; when a traffic-raising stage fails at its health gate, the rollback
 * update at once (rollout/driver.ts runCommittedStage). The report (stage, check, value, threshold)
 * goes to stdout and, with --report, to a file the workflow posts as commit status and PR comment.
 * Under Pulumi Deployments it acts only for an update (PULUMI_CI_OPERATION), not for previews.
 * Exit codes: 0 applied (or nothing to do), 1 the stage failed (rolled back when its gate failed),
 * 3 the rollback update failed too.
 */
import { writeFileSync } from "fs";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseArgs } from "util";
import { PROJECT_ROOT, loadStackConfig } from "../config/stackFile";
import { runCommittedStage } from "../rollout/driver";
import { AutomationStack } from "./rolloutStack";

async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({ args: argv, options: { stack: { type: "string" }, report: { type: "string" } }, strict: true });
    if (!values.stack) throw new Error("usage: npm run rollout:stage -- --stack <name> [--report <file>]");
    const operation = process.env.PULUMI_CI_OPERATION;
    if (operation !== undefined && operation !== "update") {
        process.stdout.write(`rollout:stage: nothing to do for a ${operation}\n`);
        return 0;
    }
    const { rollout } = loadStackConfig(values.stack);
    // The backend's organization: the workflow's PULUMI_ORG, or the one Pulumi Deployments runs in.
    const org = process.env.PULUMI_ORG || process.env.PULUMI_CI_ORGANIZATION;
    const stackName = org ? `${org}/${values.stack}` : values.stack;
    const stack = new AutomationStack(await LocalWorkspace.selectStack({ stackName, workDir: PROJECT_ROOT }), values.stack);
    const result = await runCommittedStage(
        stack,
        { stage: rollout.stage, stableVersion: rollout.stableVersion, candidateVersion: rollout.candidateVersion },
        { print: (line) => process.stdout.write(`${line}\n`), confirm: async () => false },
        { stackName: values.stack },
    );
    if (values.report) writeFileSync(values.report, `${result.report}\n`);
    (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.outcome}: ${result.report}\n`);
    return result.exitCode;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`rollout:stage: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
