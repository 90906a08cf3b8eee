/**
 * The engine's address among a plugin's arguments, for the test-engine stand-ins of the random and
 * command plugins (no registry here serves the upstream ones). The engine starts a plugin with its
 * address, after flags it may add (`--logtostderr`, `-v=N`, `--tracing <endpoint>`); these are the
 * flags the provider framework's own parser skips.
 */
export function engineAddressFrom(args: readonly string[]): string | undefined {
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--logtostderr" || args[i].startsWith("-v=")) continue;
        if (args[i] === "--tracing") {
            i++;
            continue;
        }
        return args[i];
    }
    return undefined;
}
