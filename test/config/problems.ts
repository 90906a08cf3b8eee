import * as assert from "assert";
import { ConfigError, parsePlatformConfig } from "../../config";

/** The problems the schema reports for raw stack settings, none when it accepts them. */
export function problemsIfAny(raw: Record<string, unknown>): string[] {
    try {
        parsePlatformConfig(raw);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return err.problems;
    }
    return [];
}

/** The problems the schema reports for raw stack settings; fails the test when they are accepted. */
export function problemsOf(raw: Record<string, unknown>): string[] {
    const problems = problemsIfAny(raw);
    return problems.length > 0 ? problems : assert.fail("the configuration was accepted");
}
