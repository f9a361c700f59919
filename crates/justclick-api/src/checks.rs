//! Checks the spec's rule vocabulary cannot say, called by name from `spec/api.toml`
//! (`[[method.check]] call = "crate::checks::..."`) inside the generated `validate()`.

use th_core::InvalidInput;

use crate::generated::V2CreateOrder;

/// `product_names` (comma-separated) names at least one product.
pub(crate) fn names_a_product(request: &V2CreateOrder) -> Result<(), InvalidInput> {
    if request
        .product_names
        .split(',')
        .all(|p| p.trim().is_empty())
    {
        return Err(InvalidInput::new(
            "product_names",
            "an order needs at least one product",
        ));
    }
    Ok(())
}
