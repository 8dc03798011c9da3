/*
 * colour-square: the change source of the end-to-end benchmark's latency workload. It maps a small
 * override-redirect window on $DISPLAY and fills it with a new colour every INTERVAL milliseconds,
 * COUNT times. After each fill it waits for the X server to have drawn it (XSync) and prints
 * "draw SECONDS RRGGBB" (CLOCK_MONOTONIC), so a client watching that pixel can be timed against it.
 * Colours are unique within a run (the step number is in the red and green bytes).
 *
 * usage: colour-square X Y SIZE COUNT INTERVAL_MS
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t) {
    double left = t - now_seconds();
    if (left <= 0) return;
    struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s X Y SIZE COUNT INTERVAL_MS\n", argv[0]);
        return 2;
    }
    int x = atoi(argv[1]), y = atoi(argv[2]), size = atoi(argv[3]), count = atoi(argv[4]);
    double interval = atof(argv[5]) / 1000.0;
    if (size <= 0 || count <= 0 || count > 65535 || interval <= 0) { fprintf(stderr, "colour-square: bad arguments\n"); return 2; }
    Display *dpy = XOpenDisplay(NULL);
    if (!dpy) { fprintf(stderr, "colour-square: cannot open display\n"); return 3; }
    int screen = DefaultScreen(dpy);
    XSetWindowAttributes attrs;
    attrs.override_redirect = True;
    attrs.background_pixel = BlackPixel(dpy, screen);
    Window w = XCreateWindow(dpy, RootWindow(dpy, screen), x, y, (unsigned)size, (unsigned)size, 0,
                             CopyFromParent, InputOutput, CopyFromParent, CWOverrideRedirect | CWBackPixel, &attrs);
    XMapRaised(dpy, w);
    GC gc = XCreateGC(dpy, w, 0, NULL);
    XSync(dpy, False);
    printf("ready %.9f\n", now_seconds());
    fflush(stdout);
    double next = now_seconds() + interval;
    for (int i = 1; i <= count; i++) {
        sleep_until(next);
        next += interval;
        unsigned long colour = ((unsigned long)(i & 0xff) << 16) | ((unsigned long)((i >> 8) & 0xff) << 8) | 0x80;
        XSetForeground(dpy, gc, colour); /* TrueColor 24-bit: the pixel value is 0xRRGGBB */
        XFillRectangle(dpy, w, gc, 0, 0, (unsigned)size, (unsigned)size);
        XSync(dpy, False);
        printf("draw %.9f %06lx\n", now_seconds(), colour);
        fflush(stdout);
    }
    /* Keep the window (and its last colour) until killed, so the final picture can be compared. */
    for (;;) {
        struct timespec ts = { 3600, 0 };
        nanosleep(&ts, NULL);
    }
}
