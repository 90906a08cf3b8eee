/**
 * The UTC time windows RDS and ElastiCache take backups/snapshots and apply maintenance in, as the
 * AWS APIs spell them: a daily window "hh:mm-hh:mm" and a weekly window "ddd:hh:mm-ddd:hh:mm".
 * Both services reject a backup window that overlaps the maintenance window, so the schema checks it.
 */
import { z } from "zod";

const TIME = "([01]\\d|2[0-3]):([0-5]\\d)";
const DAY = "(mon|tue|wed|thu|fri|sat|sun)";
export const DAILY_WINDOW = new RegExp(`^${TIME}-${TIME}$`);
export const WEEKLY_WINDOW = new RegExp(`^${DAY}:${TIME}-${DAY}:${TIME}$`);

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** A window as a start (minutes into the day or week) and a length in minutes; it may wrap around. */
interface Span {
    start: number;
    length: number;
}

function dailySpan(window: string): Span | undefined {
    const m = DAILY_WINDOW.exec(window);
    if (!m) return undefined;
    const start = Number(m[1]) * 60 + Number(m[2]);
    const end = Number(m[3]) * 60 + Number(m[4]);
    return { start, length: (end - start + MINUTES_PER_DAY) % MINUTES_PER_DAY };
}

function weeklySpan(window: string): Span | undefined {
    const m = WEEKLY_WINDOW.exec(window);
    if (!m) return undefined;
    const start = DAYS.indexOf(m[1]) * MINUTES_PER_DAY + Number(m[2]) * 60 + Number(m[3]);
    const end = DAYS.indexOf(m[4]) * MINUTES_PER_DAY + Number(m[5]) * 60 + Number(m[6]);
    return { start, length: (end - start + MINUTES_PER_WEEK) % MINUTES_PER_WEEK };
}

/** Length in minutes of a daily or weekly window; undefined when the text is neither. */
export function windowMinutes(window: string): number | undefined {
    return (dailySpan(window) ?? weeklySpan(window))?.length;
}

/** True when two spans on a circle of `period` minutes share at least one minute. */
function spansOverlap(a: Span, b: Span, period: number): boolean {
    const mod = (n: number) => ((n % period) + period) % period;
    return mod(b.start - a.start) < a.length || mod(a.start - b.start) < b.length;
}

/**
 * True when the daily window, on any day of the week, overlaps the weekly window. False when either
 * text is malformed (the format check reports that).
 */
export function windowsOverlap(daily: string, weekly: string): boolean {
    const d = dailySpan(daily);
    const w = weeklySpan(weekly);
    if (!d || !w) return false;
    return DAYS.some((_, day) => spansOverlap({ start: day * MINUTES_PER_DAY + d.start, length: d.length }, w, MINUTES_PER_WEEK));
}

/** A daily UTC window of at least `minMinutes` (the service's minimum). */
export function dailyWindowSchema(minMinutes: number, example: string) {
    return z
        .string()
        .regex(DAILY_WINDOW, `a daily UTC window hh:mm-hh:mm such as "${example}"`)
        .refine((w) => (windowMinutes(w) ?? minMinutes) >= minMinutes, `a window of at least ${minMinutes} minutes`);
}

/** A weekly UTC window between `minMinutes` and 24 hours long. */
export function weeklyWindowSchema(minMinutes: number, example: string) {
    return z
        .string()
        .regex(WEEKLY_WINDOW, `a weekly UTC window ddd:hh:mm-ddd:hh:mm such as "${example}"`)
        .refine((w) => {
            const minutes = windowMinutes(w) ?? minMinutes;
            return minutes >= minMinutes && minutes <= MINUTES_PER_DAY;
        }, `a window of ${minMinutes} minutes to 24 hours`);
}
