/**
 * The random string of `RandomPassword` and `RandomString` in the test-engine stand-in for the random
 * plugin (no registry here serves the upstream one), drawn as terraform-provider-random draws it: the
 * minimum of each class first, the rest from the enabled classes, then shuffled; every draw from
 * Node's CSPRNG.
 */
import * as crypto from "crypto";

export const NUMERIC_CHARACTERS = "0123456789";
export const LOWER_CHARACTERS = "abcdefghijklmnopqrstuvwxyz";
export const UPPER_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** The special characters when `overrideSpecial` is unset or empty. */
export const DEFAULT_SPECIAL_CHARACTERS = "!@#$%&*()-_=+[]{}<>:?";

export interface StringSettings {
    length: number;
    lower: boolean;
    upper: boolean;
    numeric: boolean;
    special: boolean;
    minLower: number;
    minUpper: number;
    minNumeric: number;
    minSpecial: number;
    overrideSpecial: string;
}

export function specialCharacters(settings: Pick<StringSettings, "overrideSpecial">): string {
    return settings.overrideSpecial === "" ? DEFAULT_SPECIAL_CHARACTERS : settings.overrideSpecial;
}

/**
 * A string of `length` characters (code points). As upstream, a class's minimum is drawn even when
 * the class itself is off; the checks keep `length` at least the sum of the minimums.
 */
export function generateRandomString(settings: StringSettings): string {
    const specials = specialCharacters(settings);
    const pool = [
        settings.upper ? UPPER_CHARACTERS : "",
        settings.lower ? LOWER_CHARACTERS : "",
        settings.numeric ? NUMERIC_CHARACTERS : "",
        settings.special ? specials : "",
    ].join("");
    if (pool === "") throw new Error("the character set specified is empty");
    const minimums: [string, number][] = [
        [NUMERIC_CHARACTERS, settings.minNumeric],
        [LOWER_CHARACTERS, settings.minLower],
        [UPPER_CHARACTERS, settings.minUpper],
        [specials, settings.minSpecial],
    ];
    const characters = minimums.flatMap(([set, count]) => draw(set, count));
    if (characters.length > settings.length) throw new Error(`length ${settings.length} is less than the sum of the minimums`);
    characters.push(...draw(pool, settings.length - characters.length));
    return shuffle(characters).join("");
}

function draw(set: string, count: number): string[] {
    const choices = Array.from(set);
    return Array.from({ length: count }, () => choices[crypto.randomInt(choices.length)]);
}

/** Fisher–Yates with the CSPRNG: every order equally likely. */
function shuffle(characters: string[]): string[] {
    for (let i = characters.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [characters[i], characters[j]] = [characters[j], characters[i]];
    }
    return characters;
}
