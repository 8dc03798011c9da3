/// One XML element of an XMPP stream as a small tree value: its local name, its resolved namespace, its
/// attributes in document order (names as written, e.g. `xml:lang`), and its children (elements and text).
public struct XMLElement: Equatable, Sendable {
    public var name: String
    public var namespace: String
    public var attributes: [Attribute]
    public var children: [Node]

    public struct Attribute: Equatable, Sendable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public enum Node: Equatable, Sendable {
        case element(XMLElement)
        case text(String)
    }

    public init(_ name: String, namespace: String, attributes: [Attribute] = [], children: [Node] = []) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
    }

    /// The value of the attribute written exactly as `name`, if present.
    public subscript(attribute name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The child elements, in order.
    public var elements: [XMLElement] {
        children.compactMap { if case .element(let e) = $0 { return e } else { return nil } }
    }

    /// The first child element with this name (and namespace, when given).
    public func child(_ name: String, namespace: String? = nil) -> XMLElement? {
        elements.first { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// The concatenated text children (not of descendants).
    public var text: String {
        children.reduce(into: "") { if case .text(let t) = $1 { $0 += t } }
    }

    /// Sets or replaces an attribute.
    public mutating func set(_ name: String, _ value: String?) {
        attributes.removeAll { $0.name == name }
        if let value { attributes.append(Attribute(name, value)) }
    }

    public mutating func append(_ element: XMLElement) { children.append(.element(element)) }
    public mutating func append(text: String) { children.append(.text(text)) }
}
