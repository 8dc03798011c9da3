/*
 * vncclient-probe: a minimal third-party RFB client built on Debian's libvncclient, used by the interop
 * tests as a stock viewer of our agent. It connects, authenticates (None, VNC, or VeNCrypt X509Plain
 * with a username/password and the server certificate as its trust anchor), waits for the first complete
 * framebuffer update, writes the picture as a binary PPM and exits 0. Any failure exits non-zero.
 *
 * usage: vncclient-probe HOST:PORT OUT.ppm [--encodings "zrle raw"] [--user U --password P]
 *                        [--ca CERT.pem] [--updates N] [--timeout SECONDS] [--duration SECONDS]
 *
 * With --duration it keeps receiving updates for that long (the benchmarks' stock client), then writes
 * the last picture and prints how many updates it saw. SIGTERM or SIGINT ends that wait early (the
 * picture is still written). With --watch-pixel X,Y it prints "watch SECONDS RRGGBB" (CLOCK_MONOTONIC)
 * each time a finished update leaves that pixel with a new colour (the benchmark's latency probe).
 * --security none|x509plain restricts the security types it accepts (default: any libvncclient knows);
 * --remote-cursor 1 asks for the Cursor pseudo-encoding, so servers keep the pointer out of the picture.
 * SIGUSR1 prints "counts UPDATES RECTS COPIES PIXELS MOST" (finished updates, rectangles with pixels or a
 * copy, of those the CopyRects, pixels of the non-copy rectangles, all so far; the most CopyRects in one
 * update since the last such line): the session benchmark reads it at the start and end of a measurement.
 */
#include <rfb/rfbclient.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>

static const char *user = NULL, *password = NULL, *ca = NULL;
static int updates_wanted = 1, updates_seen = 0;
static int watch_x = -1, watch_y = -1;
static long watch_last = -1;
static volatile sig_atomic_t stop_requested = 0, counts_requested = 0;
static long rects_seen = 0, copies_seen = 0, pixels_seen = 0, copies_this_update = 0, most_copies = 0;
static GotFrameBufferUpdateProc default_got_update;
static GotCopyRectProc default_got_copy;

static void request_counts(int sig) {
    (void)sig;
    counts_requested = 1;
}

static void print_counts(void) {
    counts_requested = 0;
    printf("counts %d %ld %ld %ld %ld\n", updates_seen, rects_seen, copies_seen, pixels_seen, most_copies);
    most_copies = 0;
    fflush(stdout);
}

/* Called by libvncclient after every rectangle with pixels or a copy (after GotCopyRect for a copy). */
static void got_update(rfbClient *client, int x, int y, int w, int h) {
    rects_seen++;
    pixels_seen += (long)w * h;
    if (default_got_update) default_got_update(client, x, y, w, h);
}

static void got_copy(rfbClient *client, int sx, int sy, int w, int h, int dx, int dy) {
    copies_seen++;
    copies_this_update++;
    pixels_seen -= (long)w * h;  /* got_update adds it back: copies carry no pixels */
    default_got_copy(client, sx, sy, w, h, dx, dy);
}

static void request_stop(int sig) {
    (void)sig;
    stop_requested = 1;
}

static rfbCredential *get_credential(rfbClient *client, int type) {
    (void)client;
    rfbCredential *c = calloc(1, sizeof(rfbCredential));
    if (!c) return NULL;
    if (type == rfbCredentialTypeUser) {
        c->userCredential.username = strdup(user ? user : "");
        c->userCredential.password = strdup(password ? password : "");
    } else if (type == rfbCredentialTypeX509) {
        c->x509Credential.x509CACertFile = ca ? strdup(ca) : NULL;
        c->x509Credential.x509CrlVerifyMode = rfbX509CrlVerifyNone;
    }
    return c;
}

static char *get_password(rfbClient *client) {
    (void)client;
    return strdup(password ? password : "");
}

static void finished_update(rfbClient *client) {
    updates_seen++;
    if (copies_this_update > most_copies) most_copies = copies_this_update;
    copies_this_update = 0;
    if (watch_x < 0 || watch_x >= client->width || watch_y < 0 || watch_y >= client->height) return;
    const unsigned char *p = client->frameBuffer + ((size_t)watch_y * client->width + watch_x) * 4;
    long colour = ((long)p[0] << 16) | ((long)p[1] << 8) | p[2];
    if (colour == watch_last) return;
    watch_last = colour;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("watch %ld.%09ld %06lx\n", (long)ts.tv_sec, ts.tv_nsec, colour);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST:PORT OUT.ppm [--encodings E] [--user U --password P] [--ca CERT] [--updates N] [--timeout S] [--duration S] [--watch-pixel X,Y] [--security none|x509plain] [--remote-cursor 1]\n", argv[0]);
        return 2;
    }
    const char *target = argv[1], *out = argv[2], *encodings = "zrle raw";
    int timeout = 20, duration = 0, remote_cursor = 0;
    const char *security = NULL;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--encodings")) encodings = argv[i + 1];
        else if (!strcmp(argv[i], "--user")) user = argv[i + 1];
        else if (!strcmp(argv[i], "--password")) password = argv[i + 1];
        else if (!strcmp(argv[i], "--ca")) ca = argv[i + 1];
        else if (!strcmp(argv[i], "--updates")) updates_wanted = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--timeout")) timeout = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--duration")) duration = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--security")) security = argv[i + 1];
        else if (!strcmp(argv[i], "--remote-cursor")) remote_cursor = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--watch-pixel")) {
            if (sscanf(argv[i + 1], "%d,%d", &watch_x, &watch_y) != 2) { fprintf(stderr, "--watch-pixel X,Y\n"); return 2; }
        }
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = request_stop; /* no SA_RESTART: the wait returns early */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = request_counts;
    sigaction(SIGUSR1, &sa, NULL);
    rfbClient *client = rfbGetClient(8, 3, 4);
    if (!client) return 3;
    client->GetCredential = get_credential;
    client->GetPassword = get_password;
    client->FinishedFrameBufferUpdate = finished_update;
    default_got_update = client->GotFrameBufferUpdate;
    client->GotFrameBufferUpdate = got_update;
    default_got_copy = client->GotCopyRect;
    client->GotCopyRect = got_copy;
    client->appData.encodingsString = encodings;
    client->appData.useRemoteCursor = remote_cursor ? TRUE : FALSE;
    if (security) {
        static const uint32_t none[] = { rfbNoAuth }, plain[] = { rfbVeNCrypt, rfbVeNCryptX509Plain };
        if (!strcmp(security, "none")) SetClientAuthSchemes(client, none, 1);
        else if (!strcmp(security, "x509plain")) SetClientAuthSchemes(client, plain, 2);
        else { fprintf(stderr, "--security none|x509plain\n"); return 2; }
    }
    char *args[] = { argv[0], (char *)target };
    int fake_argc = 2;
    if (!rfbInitClient(client, &fake_argc, args)) {
        fprintf(stderr, "vncclient-probe: connection or authentication failed\n");
        return 4;
    }
    printf("connected %dx%d \"%s\"\n", client->width, client->height, client->desktopName ? client->desktopName : "");
    fflush(stdout);
    time_t deadline = time(NULL) + timeout;
    time_t end = time(NULL) + duration;
    while (!stop_requested && (updates_seen < updates_wanted || (duration > 0 && time(NULL) < end))) {
        if (duration == 0 && time(NULL) > deadline) { fprintf(stderr, "vncclient-probe: timed out waiting for an update\n"); return 5; }
        if (counts_requested) print_counts();
        int n = WaitForMessage(client, 500000);
        if (stop_requested) break;
        if (n < 0 && errno == EINTR && counts_requested) { print_counts(); continue; }
        if (n < 0) { fprintf(stderr, "vncclient-probe: connection lost\n"); return 6; }
        if (n > 0 && !HandleRFBServerMessage(client)) { fprintf(stderr, "vncclient-probe: bad server message\n"); return 7; }
    }
    FILE *f = fopen(out, "wb");
    if (!f) { perror(out); return 8; }
    fprintf(f, "P6\n%d %d\n255\n", client->width, client->height);
    for (int y = 0; y < client->height; y++) {
        for (int x = 0; x < client->width; x++) {
            const unsigned char *p = client->frameBuffer + ((size_t)y * client->width + x) * 4;
            /* rfbGetClient(8,3,4) on little-endian: red at shift 0, green 8, blue 16. */
            fputc(p[0], f); fputc(p[1], f); fputc(p[2], f);
        }
    }
    fclose(f);
    printf("wrote %s after %d update(s)\n", out, updates_seen);
    rfbClientCleanup(client);
    return 0;
}
