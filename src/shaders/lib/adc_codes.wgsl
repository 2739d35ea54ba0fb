// Module: the codes of the inverted lists as an ADC scan reads them from a storage buffer (binding 5): words per
// vector (wordsPerVector), vectors in list order.
@group(0) @binding(5) var<storage, read> codes: array<u32>;
