/** The command line the CLI starts a language host with. */

export interface HostArguments {
    engineAddress: string;
    tracing: string;
    runtime: string;
    version: boolean;
}

/** Reads Go-style flags (`-name value`, `--name=value`, booleans bare) and the positional engine address. */
export function hostArguments(argv: string[]): HostArguments {
    const parsed: HostArguments = { engineAddress: "", tracing: "", runtime: "nodejs", version: false };
    const valued = new Set(["tracing", "runtime", "v"]);
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const flag = /^--?([^=]+)(?:=(.*))?$/.exec(arg);
        if (!flag) {
            parsed.engineAddress = arg;
            continue;
        }
        const [, name, inline] = flag;
        const value = inline ?? (valued.has(name) ? argv[++i] : "");
        if (name === "tracing") parsed.tracing = value ?? "";
        else if (name === "runtime") parsed.runtime = value ?? "";
        else if (name === "version") parsed.version = true;
    }
    return parsed;
}
