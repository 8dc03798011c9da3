// Xlib, MIT-SHM, DAMAGE, XFIXES and RandR for X11Capture, plus error handling that never exits.
//
// Xlib's default error handlers print and call exit(); X11Capture replaces them (XErrorRegistry.swift).
#ifndef REMOTE_ASSIST_CXLIB_SHIM_H
#define REMOTE_ASSIST_CXLIB_SHIM_H

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/Xrandr.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <string.h>
#include <stdint.h>

/// XEvent is a C union; these read the parts X11Capture needs without Swift-side type punning.
static inline int ra_event_type(const XEvent *e) { return e->type; }
static inline XRectangle ra_damage_area(const XEvent *e) { return ((const XDamageNotifyEvent *)e)->area; }
static inline XID ra_damage_handle(const XEvent *e) { return ((const XDamageNotifyEvent *)e)->damage; }

/// Pixel n of an XFixesCursorImage (its pixels are `unsigned long`, 64-bit on LP64, holding 32-bit ARGB).
static inline uint32_t ra_cursor_pixel(const XFixesCursorImage *c, int n) { return (uint32_t)c->pixels[n]; }

#endif
