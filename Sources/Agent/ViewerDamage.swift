import Pixels

/// What the shared capture thread keeps for one viewer, and only for it: the tiles that may have
/// changed since that viewer's last update (every capture's damage is marked here, whether the viewer
/// is waiting, paused or has an update in flight), its update builder (the picture it holds, its zlib and
/// zstd streams, its motion hints), and the pointer image and position it has not been sent yet.
/// Used on the capture thread only.
final class ViewerDamage {
    let builder: UpdateBuilder
    /// Tiles changed on the screen since this viewer's last update (bounded: one flag a 64x64 tile).
    var damage: TileMap
    var cursorDirty = true
    var pointer: (x: Int, y: Int)?
    var pointerDirty = false

    init(width: Int, height: Int, keepsSummary: Bool) {
        builder = UpdateBuilder(width: width, height: height)
        builder.keepsSummary = keepsSummary
        damage = TileMap(width: width, height: height)
        damage.markAll()
    }

    /// The screen is `width` x `height` now: everything is new to this viewer.
    func resized(width: Int, height: Int) {
        damage = TileMap(width: width, height: height)
        damage.markAll()
    }

    /// Nothing waits for this viewer (after an update was built for it).
    func sent() {
        damage.clear()
        cursorDirty = false
        pointerDirty = false
    }

    /// Whether this viewer has something to be sent (besides what the source has not reported yet).
    var isDirty: Bool { !damage.isEmpty || cursorDirty || pointerDirty }
}
