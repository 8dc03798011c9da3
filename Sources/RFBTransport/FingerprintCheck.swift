/// The check group printed after a fingerprint's 13 groups, and the diagnosis of a text that fails it.
///
/// Why this code: the 52 base32 characters are paired into 26 symbols of 10 bits, and the check is two
/// more 10-bit symbols (four base32 characters, one more group):
///
///     C1 = d0 + d1 + … + d25            C2 = d0·a⁰ + d1·a¹ + … + d25·a²⁵
///
/// in GF(2¹⁰) (`+` is XOR, `a` a primitive element). The parity-check matrix has pairwise independent
/// columns, so the code has distance 3: any error confined to two symbols is always detected, which
/// covers every single substitution and every swap of two neighbouring characters (even across a dash).
/// An error in one symbol is also located: its syndromes are `(e, e·aⁱ)`, so `aⁱ = S2/S1` names the
/// symbol, and a symbol (two characters) never straddles a group of four, so we can say which group
/// was mistyped. A mod-32 check character would catch a substitution too, but could not say where.
/// Four characters of check add 20 bits; a random wrong text passes with odds of about one in a million.
enum FingerprintCheck {
    static let dataCharacters = 52
    static let checkCharacters = 4
    static let groupSize = 4

    /// The four check characters' values (0–31) for 52 character values (0–31).
    static func check(_ values: [UInt8]) -> [UInt8] {
        let (c1, c2) = sums(values)
        return [UInt8(c1 >> 5), UInt8(c1 & 31), UInt8(c2 >> 5), UInt8(c2 & 31)]
    }

    /// Where a 56-value text whose check fails was probably mistyped: the 0-based groups that a single
    /// wrong character (or symbol) or one swap of neighbours would explain, in order. Empty when no such
    /// explanation exists (more than one mistake).
    static func suspectGroups(_ values: [UInt8]) -> [Int] {
        guard values.count == dataCharacters + checkCharacters else { return [] }
        var groups: Set<Int> = []
        if let symbol = singleSymbolError(values) { groups.insert(symbol * 2 / groupSize) }
        for k in 0..<(values.count - 1) where values[k] != values[k + 1] {
            var swapped = values
            swapped.swapAt(k, k + 1)
            if isValid(swapped) {
                groups.insert(k / groupSize)
                groups.insert((k + 1) / groupSize)
            }
        }
        return groups.sorted()
    }

    static func isValid(_ values: [UInt8]) -> Bool {
        guard values.count == dataCharacters + checkCharacters else { return false }
        return Array(values[dataCharacters...]) == check(Array(values[..<dataCharacters]))
    }

    /// The symbol (0–27; 26 and 27 are the check's own) a single-symbol error would be in, if any.
    private static func singleSymbolError(_ values: [UInt8]) -> Int? {
        let (e1, e2) = sums(Array(values[..<dataCharacters]))
        let s1 = e1 ^ (UInt16(values[52]) << 5 | UInt16(values[53]))
        let s2 = e2 ^ (UInt16(values[54]) << 5 | UInt16(values[55]))
        switch (s1, s2) {
        case (0, 0): return nil
        case (_, 0): return 26
        case (0, _): return 27
        default:
            let position = (Int(GF1024.log[Int(s2)]) - Int(GF1024.log[Int(s1)]) + 1023) % 1023
            return position < dataCharacters / 2 ? position : nil
        }
    }

    private static func sums(_ values: [UInt8]) -> (UInt16, UInt16) {
        var c1: UInt16 = 0
        var c2: UInt16 = 0
        var index = 0
        while index + 1 < values.count {
            let symbol = UInt16(values[index] & 31) << 5 | UInt16(values[index + 1] & 31)
            c1 ^= symbol
            c2 ^= GF1024.multiply(symbol, GF1024.exp[index / 2])
            index += 2
        }
        return (c1, c2)
    }
}

/// GF(2¹⁰) with the primitive polynomial x¹⁰ + x³ + 1; the element `x` (2) generates the 1023 non-zero values.
enum GF1024 {
    static let exp: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 1023)
        var value: UInt16 = 1
        for index in 0..<1023 {
            table[index] = value
            value <<= 1
            if value & 0x400 != 0 { value ^= 0x409 }
        }
        return table
    }()

    static let log: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 1024)
        for (index, value) in exp.enumerated() { table[Int(value)] = UInt16(index) }
        return table
    }()

    static func multiply(_ a: UInt16, _ b: UInt16) -> UInt16 {
        guard a != 0, b != 0 else { return 0 }
        return exp[(Int(log[Int(a)]) + Int(log[Int(b)])) % 1023]
    }
}
