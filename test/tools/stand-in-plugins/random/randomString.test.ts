import * as assert from "assert";
import {
    DEFAULT_SPECIAL_CHARACTERS,
    generateRandomString,
    LOWER_CHARACTERS,
    NUMERIC_CHARACTERS,
    StringSettings,
    UPPER_CHARACTERS,
} from "../../../../tools/stand-in-plugins/random/randomString";

const DEFAULTS: StringSettings = {
    length: 16,
    lower: true,
    upper: true,
    numeric: true,
    special: true,
    minLower: 0,
    minUpper: 0,
    minNumeric: 0,
    minSpecial: 0,
    overrideSpecial: "",
};

const count = (text: string, set: string) => Array.from(text).filter((c) => set.includes(c)).length;
const draws = (settings: Partial<StringSettings>, n = 300) =>
    Array.from({ length: n }, () => generateRandomString({ ...DEFAULTS, ...settings }));

describe("stand-in random plugin: the random string", () => {
    it("has the requested length", () => {
        for (const length of [1, 2, 32, 64, 200]) assert.strictEqual(generateRandomString({ ...DEFAULTS, length }).length, length);
    });

    it("meets every class minimum on every draw (logging.ts's OpenSearch password: 32, 2 of each, specials -_.+)", () => {
        const settings = { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_.+" };
        for (const value of draws(settings)) {
            assert.ok(count(value, UPPER_CHARACTERS) >= 2, value);
            assert.ok(count(value, LOWER_CHARACTERS) >= 2, value);
            assert.ok(count(value, NUMERIC_CHARACTERS) >= 2, value);
            assert.ok(count(value, "-_.+") >= 2, value);
        }
    });

    it("uses only the enabled classes (special: false, as for the Grafana, database and cache passwords)", () => {
        const alphanumeric = UPPER_CHARACTERS + LOWER_CHARACTERS + NUMERIC_CHARACTERS;
        for (const value of draws({ length: 32, special: false })) assert.strictEqual(count(value, alphanumeric), 32, value);
        for (const value of draws({ length: 32, upper: false, numeric: false, special: false })) {
            assert.match(value, /^[a-z]{32}$/);
        }
    });

    it("takes its specials from overrideSpecial only (cache.ts's auth token), code points included", () => {
        const specials = draws({ length: 64, overrideSpecial: "!&#$^<>-" }).join("");
        assert.match(specials, /^[A-Za-z0-9!&#$^<>-]+$/);
        assert.ok(count(specials, "!&#$^<>-") > 0, "no special drawn in 300 × 64 characters");
        const unicode = generateRandomString({
            ...DEFAULTS,
            length: 12,
            lower: false,
            upper: false,
            numeric: false,
            overrideSpecial: "é€",
        });
        assert.match(unicode, /^[é€]{12}$/u);
    });

    it("draws from the default specials when overrideSpecial is empty", () => {
        const value = generateRandomString({ ...DEFAULTS, length: 40, lower: false, upper: false, numeric: false });
        assert.strictEqual(count(value, DEFAULT_SPECIAL_CHARACTERS), 40, value);
    });

    it("draws a class's minimum even with the class off, as upstream does", () => {
        for (const value of draws({ length: 8, special: false, minSpecial: 3 }, 50))
            assert.strictEqual(count(value, DEFAULT_SPECIAL_CHARACTERS), 3, value);
    });

    it("draws every character of a set, in no fixed place (the CSPRNG, then a shuffle)", () => {
        const digits = draws({ length: 1, lower: false, upper: false, special: false }, 500).join("");
        assert.deepStrictEqual(new Set(digits), new Set(NUMERIC_CHARACTERS));
        // A minimum drawn first must not stay first.
        const firsts = draws({ length: 10, lower: false, upper: false, special: false, minLower: 1 }, 200).map((v) => v[0]);
        assert.ok(firsts.some((c) => NUMERIC_CHARACTERS.includes(c)) && firsts.some((c) => LOWER_CHARACTERS.includes(c)));
    });

    it("fails on an empty character set and on minimums longer than the string", () => {
        assert.throws(
            () => generateRandomString({ ...DEFAULTS, lower: false, upper: false, numeric: false, special: false }),
            /^Error: the character set specified is empty$/,
        );
        assert.throws(
            () => generateRandomString({ ...DEFAULTS, length: 3, minUpper: 2, minLower: 2 }),
            /^Error: length 3 is less than the sum of the minimums$/,
        );
    });
});
