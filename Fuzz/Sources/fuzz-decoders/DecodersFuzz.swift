import FuzzSupport

/// libFuzzer entry: one `DecoderInput` (see FuzzSupport/DecoderInput.swift) per call.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let input = DecoderInput(parsing: FuzzBytes(data, size)) else { return 0 }
    var run = DecoderRun(input)
    run.run()
    return 0
}
