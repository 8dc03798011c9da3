#!/bin/bash
# Records application sequences for `remote-assist-bench codec` on a private Xvfb 1920x1080x24 with openbox
# and the Debian 12 default (emerald) wallpaper: starts the app, drives it with xdotool, grabs the root window
# at a fixed cadence (`remote-assist-bench grab`, MIT-SHM), then packs the frames (bench-data/pack.py) into
# bench-data/sequences/NAME/ (first frame + changed-region patches, frames.tsv, timestamps.tsv, manifest.json).
#
#   nice -n 15 bash bench-data/record.sh [--frames N] [--fps F] [--out DIR] [editor|writer|pdf|slideshow|browser ...]
#
# Needs .build/release/remote-assist-bench (or BENCH=path) and, on Debian 12: apt-get install xvfb xdotool \
#   openbox feh librsvg2-bin desktop-base mousepad libreoffice-writer mupdf libtasn1-doc mate-backgrounds \
#   python3-pil python3-numpy firefox-esr (the browser sequence; --no-install-recommends is enough)
# Everything it starts is stopped by PID when it ends (KEEP_WORK=1 keeps its /tmp work folder).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
FRAMES=40
FPS=5
OUT="$HERE/sequences"
SEQUENCES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --frames) FRAMES=$2; shift 2 ;;
        --fps) FPS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) SEQUENCES+=("$1"); shift ;;
    esac
done
[ ${#SEQUENCES[@]} -gt 0 ] || SEQUENCES=(editor writer pdf slideshow)

BENCH=${BENCH:-$HERE/../.build/release/remote-assist-bench}
[ -x "$BENCH" ] || { echo "record.sh: $BENCH is missing: nice -n 15 swift build -c release --product remote-assist-bench" >&2; exit 1; }
for tool in Xvfb xdotool openbox feh rsvg-convert /usr/bin/python3; do
    command -v "$tool" >/dev/null || { echo "record.sh: $tool is missing (see the apt-get line at the top)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/record-seq.XXXXXX)
PIDS=()
cleanup() {
    local p
    for ((k = ${#PIDS[@]} - 1; k >= 0; k--)); do
        p=${PIDS[k]}
        kill "$p" 2>/dev/null || true
    done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    PIDS=()
}
trap 'cleanup; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT

version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }

start_x() {
    local n free=""
    for n in $(seq 60 99); do
        [ -e /tmp/.X$n-lock ] || [ -e /tmp/.X11-unix/X$n ] || { free=$n; break; }
    done
    [ -n "$free" ] || { echo "record.sh: no free X display in :60-:99" >&2; exit 1; }
    export DISPLAY=:$n
    Xvfb "$DISPLAY" -screen 0 1920x1080x24 -nolisten tcp -noreset >"$WORK/xvfb.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do [ -e /tmp/.X11-unix/X$n ] && break; sleep 0.1; done
    sleep 0.3
    kill -0 "${PIDS[-1]}" 2>/dev/null && [ -e /tmp/.X11-unix/X$n ] || { echo "record.sh: Xvfb $DISPLAY did not start" >&2; exit 1; }
    [ -f "$WORK/wallpaper.png" ] || rsvg-convert -w 1920 -h 1080 \
        /usr/share/desktop-base/emerald-theme/wallpaper/contents/images/1920x1080.svg -o "$WORK/wallpaper.png"
    feh --no-fehbg --bg-fill "$WORK/wallpaper.png"
    openbox --sm-disable >"$WORK/openbox.log" 2>&1 &
    PIDS+=($!)
    sleep 1
    xdotool mousemove 1916 1076
}

# wait_window NAME-REGEX: the id of the first visible window whose title matches.
wait_window() {
    local id=""
    for _ in $(seq 600); do
        id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1) && [ -n "$id" ] && { echo "$id"; return; }
        sleep 0.1
    done
    echo "record.sh: no window matching '$1' on $DISPLAY" >&2
    exit 1
}

# capture RAWDIR: FRAMES grabs of the root window at FPS (frame-NNNN.png, times.tsv).
capture() {
    "$BENCH" grab --display "$DISPLAY" --frames "$FRAMES" --fps "$FPS" --output "$1"
}

# finish NAME META_JSON: packs the captures and stops everything started for this sequence.
finish() {
    cleanup
    nice -n 15 /usr/bin/python3 "$HERE/pack.py" "$WORK/raw-$1" "$OUT/$1" "$2"
    rm -rf "$WORK/raw-$1"
}

X_SERVER="Xvfb 1920x1080x24 (Debian 12 xvfb $(version xvfb)), openbox $(version openbox), Debian 12 default (emerald) wallpaper (desktop-base $(version desktop-base), rasterised by rsvg-convert, drawn by feh --bg-fill)"
WALL_LICENCE="wallpaper: desktop-base emerald-theme, (c) 2014-2022 Juliette Taka Belin, GPL-2+"

record_editor() {
    start_x
    head -n 40 /usr/share/common-licenses/GPL-3 >"$WORK/notes.txt"
    mousepad "$WORK/notes.txt" >"$WORK/app.log" 2>&1 &
    PIDS+=($!)
    local w
    w=$(wait_window 'notes.txt')
    xdotool windowsize "$w" 1200 800 windowmove "$w" 300 120 windowactivate --sync "$w"
    xdotool key ctrl+End key Return key Return
    sleep 2
    xdotool mousemove 1916 1076
    local text="Typing a note while the remote helper watches: nothing on the screen moves but the caret and the new letters. "
    (sleep 0.4; xdotool type --delay 110 "$text$text") >/dev/null 2>&1 &
    PIDS+=($!)
    capture "$WORK/raw-editor"
    cat >"$WORK/meta.json" <<EOF
{"name": "editor", "app": "mousepad", "app_version": "$(version mousepad)",
 "command": "mousepad notes.txt (notes.txt = the first 40 lines of /usr/share/common-licenses/GPL-3); window 1200x800+300+120",
 "actions": "caret put at the end after two new lines; capture starts; at ~0.4 s xdotool types an English sentence at ~9 characters/s (110 ms per key) until the end; the caret blinks. Recorded as root, so mousepad shows its red root-account warning bar",
 "x_server": "$X_SERVER", "fps_target": $FPS,
 "licences": ["text: GPL-3 licence text (verbatim copying permitted) and a sentence written for this recording", "$WALL_LICENCE"]}
EOF
    finish editor "$WORK/meta.json"
}

record_writer() {
    start_x
    local profile="$WORK/lo-profile"
    mkdir -p "$profile/user"
    cat >"$profile/user/registrymodifications.xcu" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="ooSetupInstCompleted" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseSystemFileDialog" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
EOF
    cp /usr/share/common-licenses/GPL-3 "$WORK/GPL-3.txt"
    # A fresh profile makes soffice.bin exit (status 81) to restart itself: let that happen headless first.
    local k
    for k in 1 2; do
        timeout 180 /usr/lib/libreoffice/program/soffice.bin -env:UserInstallation="file://$profile" --headless \
            --terminate_after_init >"$WORK/init.log" 2>&1 || true
    done
    SAL_USE_VCLPLUGIN=gen /usr/lib/libreoffice/program/soffice.bin -env:UserInstallation="file://$profile" --norestore --nologo --writer \
        "$WORK/GPL-3.txt" >"$WORK/app.log" 2>&1 &
    PIDS+=($!)
    local w
    w=$(wait_window 'LibreOffice Writer$')
    sleep 3
    xdotool windowsize "$w" 1920 1050 windowmove "$w" 0 0 windowactivate --sync "$w"
    sleep 3
    xdotool key ctrl+Home
    sleep 1
    xdotool mousemove 1916 1076
    local text="Dear helper, here is my note. "
    (sleep 0.4; xdotool type --delay 110 "$text"; sleep 0.6
     for _ in 1 2 3; do xdotool key Next; sleep 1.0; done) >/dev/null 2>&1 &
    PIDS+=($!)
    capture "$WORK/raw-writer"
    cat >"$WORK/meta.json" <<EOF
{"name": "writer", "app": "LibreOffice Writer", "app_version": "libreoffice-writer $(version libreoffice-writer)",
 "command": "SAL_USE_VCLPLUGIN=gen /usr/lib/libreoffice/program/soffice.bin -env:UserInstallation=(a fresh profile, tip of the day off) --norestore --nologo --writer GPL-3.txt (a copy of /usr/share/common-licenses/GPL-3); window resized to 1920x1050+0+0",
 "actions": "caret at the start of the document; capture starts; at ~0.4 s xdotool types a sentence at ~9 characters/s (110 ms per key), then presses Page Down three times, 1 s apart (the view scrolls a screenful each time); the caret blinks",
 "x_server": "$X_SERVER", "fps_target": $FPS,
 "licences": ["text: GPL-3 licence text (verbatim copying permitted) and a sentence written for this recording", "$WALL_LICENCE"]}
EOF
    finish writer "$WORK/meta.json"
}

record_pdf() {
    start_x
    local pdf=/usr/share/doc/libtasn1-doc/libtasn1.pdf
    [ -f "$pdf" ] || { echo "record.sh: $pdf is missing (apt-get install libtasn1-doc)" >&2; exit 1; }
    mupdf -r 96 "$pdf" 3 >"$WORK/app.log" 2>&1 &
    PIDS+=($!)
    local w
    w=$(wait_window 'libtasn1')
    xdotool windowsize "$w" 1100 1000 windowmove "$w" 410 30 windowactivate --sync "$w"
    sleep 2
    xdotool mousemove 1916 1076
    (sleep 0.8; for _ in 1 2 3 4 5; do xdotool key Next; sleep 1.0; done) >/dev/null 2>&1 &
    PIDS+=($!)
    capture "$WORK/raw-pdf"
    cat >"$WORK/meta.json" <<EOF
{"name": "pdf", "app": "mupdf", "app_version": "$(version mupdf)",
 "command": "mupdf -r 96 $pdf 3 (libtasn1-doc $(version libtasn1-doc)); window 1100x1000+410+30",
 "actions": "capture starts on page 3; from ~0.8 s xdotool presses Page Down five times, 1 s apart (mupdf scrolls a screenful or turns the page)",
 "x_server": "$X_SERVER", "fps_target": $FPS,
 "licences": ["document: GNU Libtasn1 manual, (c) Free Software Foundation, GFDL-1.3", "$WALL_LICENCE"]}
EOF
    finish pdf "$WORK/meta.json"
}

record_slideshow() {
    start_x
    local dir=/usr/share/backgrounds/mate/nature
    feh --title 'slideshow %n' -g 800x500+560+290 --scale-down --image-bg black \
        "$dir/Aqua.jpg" "$dir/LadyBird.jpg" "$dir/YellowFlower.jpg" "$dir/Garden.jpg" >"$WORK/app.log" 2>&1 &
    PIDS+=($!)
    wait_window '^slideshow' >/dev/null
    sleep 1
    xdotool mousemove 1916 1076
    (sleep 1.0; for _ in 1 2 3; do xdotool key Right; sleep 1.6; done) >/dev/null 2>&1 &
    PIDS+=($!)
    capture "$WORK/raw-slideshow"
    cat >"$WORK/meta.json" <<EOF
{"name": "slideshow", "app": "feh", "app_version": "$(version feh)",
 "command": "feh --title 'slideshow %n' -g 800x500+560+290 --scale-down --image-bg black Aqua.jpg LadyBird.jpg YellowFlower.jpg Garden.jpg (from $dir, mate-backgrounds $(version mate-backgrounds))",
 "actions": "capture starts on the first photo; from ~1 s xdotool presses Right three times, 1.6 s apart (next photo, scaled into the 800x500 window)",
 "x_server": "$X_SERVER", "fps_target": $FPS,
 "licences": ["photos: mate-backgrounds nature/Aqua.jpg, LadyBird.jpg, YellowFlower.jpg, Garden.jpg, (c) 2008 Charles Barbin, GPL-2+", "$WALL_LICENCE"]}
EOF
    finish slideshow "$WORK/meta.json"
}

record_browser() {
    start_x
    local profile="$WORK/ff-profile" docs=/usr/share/doc
    mkdir -p "$profile"
    # No first-run pages, updates or telemetry, and every connection through a proxy that is not there
    # (127.0.0.1:9), so the browser reaches nothing beyond this machine: the pages are local files.
    cat >"$profile/user.js" <<'PREFS'
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("network.proxy.type", 1);
user_pref("network.proxy.http", "127.0.0.1");
user_pref("network.proxy.http_port", 9);
user_pref("network.proxy.ssl", "127.0.0.1");
user_pref("network.proxy.ssl_port", 9);
user_pref("network.proxy.no_proxies_on", "");
user_pref("network.proxy.allow_hijacking_localhost", true);
user_pref("general.smoothScroll", false);
PREFS
    firefox-esr --no-remote --profile "$profile" --new-instance \
        "file://$docs/xterm/xterm.faq.html" "file://$docs/zlib1g-dev/examples/zlib_how.html" \
        "file://$docs/xterm/xterm.log.html" >"$WORK/app.log" 2>&1 &
    PIDS+=($!)
    local w
    w=$(wait_window 'Mozilla Firefox')
    sleep 4
    xdotool windowsize "$w" 1400 1000 windowmove "$w" 260 40 windowactivate --sync "$w"
    sleep 6
    xdotool key ctrl+1
    sleep 2
    xdotool mousemove 1916 1076
    (sleep 1.0; for _ in 1 2 3; do xdotool key ctrl+Tab; sleep 1.6; done) >/dev/null 2>&1 &
    PIDS+=($!)
    capture "$WORK/raw-browser"
    cat >"$WORK/meta.json" <<EOF
{"name": "browser", "app": "Firefox ESR", "app_version": "firefox-esr $(version firefox-esr)",
 "command": "firefox-esr --no-remote --profile (fresh; no first-run pages, telemetry or updates; every connection through a closed proxy at 127.0.0.1:9) --new-instance file://$docs/xterm/xterm.faq.html file://$docs/zlib1g-dev/examples/zlib_how.html file://$docs/xterm/xterm.log.html; window 1400x1000+260+40",
 "actions": "capture starts on the first tab; from ~1 s xdotool presses Ctrl+Tab three times, 1.6 s apart (the next tab's page is shown: new text where nothing moves)",
 "x_server": "$X_SERVER", "fps_target": $FPS,
 "licences": ["pages: xterm FAQ and change log, (c) 1997-2022 Thomas E. Dickey, X11/MIT-style licence (xterm $(version xterm)); zlib_how.html, (c) 2004, 2005 Mark Adler, zlib licence (zlib1g-dev $(version zlib1g-dev))", "$WALL_LICENCE"]}
EOF
    finish browser "$WORK/meta.json"
}

mkdir -p "$OUT"
for s in "${SEQUENCES[@]}"; do
    case "$s" in
        editor|writer|pdf|slideshow|browser) echo "record.sh: recording $s ($FRAMES frames at $FPS fps)" >&2; "record_$s" ;;
        *) echo "record.sh: unknown sequence '$s' (editor, writer, pdf, slideshow, browser)" >&2; exit 2 ;;
    esac
done
