import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { componentType } from "../../identity";

/**
 * One request through the router to the service's health endpoint, retried for a while (a route
 * that has just changed may take a moment), failing on anything but 2xx. POSIX sh plus curl >= 7.71
 * (--retry-all-errors); the values arrive as environment variables, never spliced into the text.
 */
export const SMOKE_CHECK_COMMAND =
    'curl -fsS -o /dev/null -w "smoke check: HTTP %{http_code} from $SMOKE_URL (Host: $SMOKE_HOST)\\n" ' +
    '--retry "$SMOKE_RETRIES" --retry-delay 1 --retry-all-errors --max-time 5 -H "Host: $SMOKE_HOST" "$SMOKE_URL"';

export interface SmokeCheckArgs {
    /** The router's address as the machine running `pulumi up` reaches it, e.g. http://127.0.0.1:8080. */
    routerUrl: string;
    /** The Host the router routes the service by (app.ingress.host). */
    host: string;
    /** The service's health endpoint. */
    path: string;
    /** How long to keep trying, in seconds (one attempt a second). */
    timeoutSeconds: number;
    /** What changed when the check must run again: the stage and its weights, the versions. */
    trafficMove: pulumi.Input<string>[];
}

/** The URL the check requests: the health path on the router's address. */
export function smokeCheckUrl(routerUrl: string, path: string): string {
    return new URL(path, routerUrl.endsWith("/") ? routerUrl : `${routerUrl}/`).toString();
}

export function smokeCheckEnvironment(
    args: Pick<SmokeCheckArgs, "routerUrl" | "host" | "path" | "timeoutSeconds">,
): Record<string, string> {
    return {
        SMOKE_URL: smokeCheckUrl(args.routerUrl, args.path.replace(/^\//, "")),
        SMOKE_HOST: args.host,
        SMOKE_RETRIES: String(args.timeoutSeconds),
    };
}

/**
 * The post-switch smoke check: after a traffic move, the service must answer on its health endpoint
 * through the router, or the update fails. The local command runs again whenever the traffic move
 * it follows changes (its triggers), so every stage's update checks its own route.
 */
export class SmokeCheck extends pulumi.ComponentResource {
    constructor(name: string, args: SmokeCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("rollout", "SmokeCheck"), name, {}, opts);
        new command.local.Command(
            `${name}-request`,
            { create: SMOKE_CHECK_COMMAND, environment: smokeCheckEnvironment(args), triggers: args.trafficMove },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
