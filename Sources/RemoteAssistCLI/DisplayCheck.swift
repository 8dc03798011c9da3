import Foundation
import X11Capture

/// The screen to share is opened once before anything is dialled or listened on, so a missing or wrong
/// display fails at once, in one line with the fix, and never after both people said yes.
enum DisplayCheck {
    /// The display's name (from `--display` or `$DISPLAY`), after opening it once.
    static func open(_ display: String?) throws -> String {
        let given = display ?? ProcessInfo.processInfo.environment["DISPLAY"]
        guard let name = given, !name.isEmpty else {
            throw CLIError("DISPLAY is not set: run this in your desktop session, or add --display :0")
        }
        do {
            _ = try X11ScreenSource(displayName: name, allowSharedMemory: false, useDamage: false)
        } catch {
            throw CLIError("cannot open the display \(name) (\(error)): is an X server running there? Run this in your desktop session, or add --display :0")
        }
        return name
    }
}
