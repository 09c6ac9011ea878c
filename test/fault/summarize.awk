#!/usr/bin/awk -f
# The fault suite's results (one tab-separated line per stack and scenario, fault_suite.sh's
# evaluate) as one Markdown table, pgwarden's stack beside the classic one, scenario by scenario.
BEGIN { FS = "\t" }
{
    key = $1 SUBSEP $2
    cell[key] = sprintf("%s | %s / %s | %s | %s", $4, $6, $5, $7, $8)
    final[key] = $9 ", registered " $10
    title[$2] = $3
    if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
    stacks[$1] = 1
}
END {
    header = "| scenario"
    rule = "|---"
    for (s = 1; s <= 2; s++) {
        stack = s == 1 ? "pgwarden" : "classic"
        if (!(stack in stacks)) continue
        header = header sprintf(" | %s: down (s) | lost / acked | two 200s | acks on 503 | final primary", stack)
        rule = rule "|---|---|---|---|---"
    }
    print header " |"
    print rule "|"
    for (i = 1; i <= n; i++) {
        line = "| " order[i] ". " title[order[i]]
        for (s = 1; s <= 2; s++) {
            stack = s == 1 ? "pgwarden" : "classic"
            if (!(stack in stacks)) continue
            key = stack SUBSEP order[i]
            line = line (key in cell ? " | " cell[key] " | " final[key] : " | | | | |")
        }
        print line " |"
    }
}
