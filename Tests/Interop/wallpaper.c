/*
 * wallpaper: gives the benchmark's X server a photo-like desktop background, so that a moved window
 * uncovers something a codec has to work for (a black root window makes window drags trivially cheap).
 * Deterministic: a diagonal colour gradient with soft bands and a little pixel noise from a fixed
 * generator. The pixmap is kept after exit (RetainPermanent) as the root window's background.
 *
 * usage: wallpaper   (on $DISPLAY, a 24-bit TrueColor screen)
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    Display *dpy = XOpenDisplay(NULL);
    if (!dpy) { fprintf(stderr, "wallpaper: cannot open display\n"); return 3; }
    int screen = DefaultScreen(dpy);
    int w = DisplayWidth(dpy, screen), h = DisplayHeight(dpy, screen);
    Visual *visual = DefaultVisual(dpy, screen);
    if (DefaultDepth(dpy, screen) != 24 || visual->red_mask != 0xff0000) { fprintf(stderr, "wallpaper: needs a 24-bit RGB screen\n"); return 4; }
    char *data = malloc((size_t)w * h * 4);
    if (!data) return 5;
    XImage *image = XCreateImage(dpy, visual, 24, ZPixmap, 0, data, (unsigned)w, (unsigned)h, 32, 0);
    unsigned long seed = 12345;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            int noise = (int)((seed >> 60) & 7) - 3;
            double t = (double)x / w, u = (double)y / h;
            double band = 18 * sin((x + 2.0 * y) / 90.0) + 10 * sin((3.0 * x - y) / 230.0);
            int r = (int)(30 + 90 * t + 40 * u + band) + noise;
            int g = (int)(60 + 70 * u + 30 * t + band / 2) + noise;
            int b = (int)(120 + 90 * (1 - u) + band) + noise;
            r = r < 0 ? 0 : r > 255 ? 255 : r;
            g = g < 0 ? 0 : g > 255 ? 255 : g;
            b = b < 0 ? 0 : b > 255 ? 255 : b;
            XPutPixel(image, x, y, ((unsigned long)r << 16) | ((unsigned long)g << 8) | (unsigned long)b);
        }
    }
    Window root = RootWindow(dpy, screen);
    Pixmap pixmap = XCreatePixmap(dpy, root, (unsigned)w, (unsigned)h, 24);
    GC gc = XCreateGC(dpy, pixmap, 0, NULL);
    XPutImage(dpy, pixmap, gc, image, 0, 0, 0, 0, (unsigned)w, (unsigned)h);
    XSetWindowBackgroundPixmap(dpy, root, pixmap);
    XClearWindow(dpy, root);
    XSetCloseDownMode(dpy, RetainPermanent);
    XSync(dpy, False);
    XCloseDisplay(dpy);
    return 0;
}
