/// A grid of square tiles over a `width` x `height` area, with one "marked" bit per tile: the damage
/// (or the changes) of a frame at tile granularity. Edge tiles are clipped to the area.
public struct TileMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let tileSize: Int
    public let columns: Int
    public let rows: Int
    public private(set) var marks: [Bool]

    public static let defaultTileSize = 64

    public init(width: Int, height: Int, tileSize: Int = TileMap.defaultTileSize) {
        precondition(tileSize > 0 && width >= 0 && height >= 0)
        self.width = width
        self.height = height
        self.tileSize = tileSize
        columns = (width + tileSize - 1) / tileSize
        rows = (height + tileSize - 1) / tileSize
        marks = [Bool](repeating: false, count: columns * rows)
    }

    public var markedCount: Int { marks.reduce(0) { $0 + ($1 ? 1 : 0) } }
    public var isEmpty: Bool { !marks.contains(true) }

    public func isMarked(column: Int, row: Int) -> Bool { marks[row * columns + column] }

    public mutating func mark(column: Int, row: Int, _ value: Bool = true) { marks[row * columns + column] = value }

    /// Marks every tile that `rect` touches (clipped to the area).
    public mutating func mark(_ rect: Rect) {
        let r = rect.intersection(Rect(x: 0, y: 0, width: width, height: height))
        guard !r.isEmpty else { return }
        for row in (r.y / tileSize)...((r.maxY - 1) / tileSize) {
            for column in (r.x / tileSize)...((r.maxX - 1) / tileSize) { marks[row * columns + column] = true }
        }
    }

    public mutating func markAll() { marks = [Bool](repeating: true, count: marks.count) }
    public mutating func clear() { marks = [Bool](repeating: false, count: marks.count) }

    /// The pixel rectangle of a tile.
    public func rect(column: Int, row: Int) -> Rect {
        let x = column * tileSize, y = row * tileSize
        return Rect(x: x, y: y, width: min(tileSize, width - x), height: min(tileSize, height - y))
    }

    /// Marked tiles, left to right, top to bottom.
    public var markedRects: [Rect] {
        var out: [Rect] = []
        for row in 0..<rows { for column in 0..<columns where marks[row * columns + column] { out.append(rect(column: column, row: row)) } }
        return out
    }

    /// Marked tiles merged into horizontal runs per tile row (fewer, wider rectangles).
    public var markedSpans: [Rect] {
        var out: [Rect] = []
        for row in 0..<rows {
            var column = 0
            while column < columns {
                guard marks[row * columns + column] else { column += 1; continue }
                let start = column
                while column < columns && marks[row * columns + column] { column += 1 }
                let a = rect(column: start, row: row), b = rect(column: column - 1, row: row)
                out.append(a.union(b))
            }
        }
        return out
    }
}
