/**
 * `pulumi-resource-pulumi-nodejs` for this project's test engine: the plugin the engine starts for
 * dynamic providers (the HealthGate, the StageRecord). It runs @pulumi/pulumi's dynamic-provider host
 * (`cmd/dynamic-provider`) as the program's own `node_modules` resolve it — the engine starts the
 * plugin in the program's folder — in this same Node process, so the provider's serialised code finds
 * the modules the program installed. No registry reachable here serves the upstream launcher.
 */
function providerHost(): string {
    try {
        return require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd()] });
    } catch {
        throw new Error(`pulumi-resource-pulumi-nodejs: @pulumi/pulumi is not installed for ${process.cwd()} (run npm install there)`);
    }
}

const host = providerHost();
// The host reads its arguments (the engine's address) from process.argv, as when started as a script.
process.argv = [process.argv[0], host, ...process.argv.slice(2)];
require(host); // eslint-disable-line @typescript-eslint/no-require-imports -- the program's own copy, found at run time
