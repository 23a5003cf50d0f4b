//! Attribute macros behind `switchboard_guest::handler` and
//! `switchboard_guest::authenticate`.
//!
//! Each attribute keeps the function as written and adds a private module
//! that generates the bindings of one WIT world and exports the function
//! through it. The bindings are generated in the author's crate, so a
//! component carries exactly the exports its author wrote.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token, parse_macro_input};

/// The WIT package, read when this crate is compiled, so the generated
/// code depends on no path on the machine that built the macros.
const WIT: &str = include_str!("../../../../wit/socket.wit");

/// Exports a function `fn(Request) -> Result<(), E>` as the component's
/// message handler. Options: `data = "json" | "text" | "binary" | "frame"`
/// and `timeout = SECONDS`.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    let func = parse_macro_input!(item as ItemFn);
    let options = match HandlerOptions::parse(args.into()) {
        Ok(options) => options,
        Err(err) => return err.to_compile_error().into(),
    };
    let name = &func.sig.ident;
    let data_type = syn::Ident::new(options.data_type, Span::call_site());
    let timeout = match options.timeout {
        Some(seconds) => quote!(::core::option::Option::Some(#seconds)),
        None => quote!(::core::option::Option::None),
    };
    let bindings = bindings("handler-component");
    quote! {
        #func

        #[doc(hidden)]
        #[allow(warnings, clippy::all)]
        mod __switchboard_handler {
            #bindings

            struct Component;

            impl exports::switchboard::socket::handler::Guest for Component {
                fn config() -> ::switchboard_guest::wit::types::HandlerConfig {
                    ::switchboard_guest::wit::types::HandlerConfig {
                        data_type: ::switchboard_guest::wit::types::DataType::#data_type,
                        timeout_seconds: #timeout,
                    }
                }

                fn handle(
                    req: ::switchboard_guest::wit::types::Request,
                ) -> ::core::result::Result<(), ::std::string::String> {
                    ::switchboard_guest::__private::call_handler(req, super::#name)
                }
            }

            export!(Component);
        }
    }
    .into()
}

/// Exports a function `fn(HttpRequest) -> Result<Option<User>, E>` that
/// decides who each new connection belongs to.
#[proc_macro_attribute]
pub fn authenticate(args: TokenStream, item: TokenStream) -> TokenStream {
    let func = parse_macro_input!(item as ItemFn);
    if !args.is_empty() {
        let err = syn::Error::new(Span::call_site(), "`authenticate` takes no options");
        return err.to_compile_error().into();
    }
    let name = &func.sig.ident;
    let bindings = bindings("authenticate-component");
    quote! {
        #func

        #[doc(hidden)]
        #[allow(warnings, clippy::all)]
        mod __switchboard_authenticate {
            #bindings

            struct Component;

            impl exports::switchboard::socket::authenticate::Guest for Component {
                fn authenticate(
                    req: ::switchboard_guest::wit::types::HttpRequest,
                ) -> ::core::result::Result<
                    ::core::option::Option<::switchboard_guest::wit::types::User>,
                    ::std::string::String,
                > {
                    ::switchboard_guest::__private::call_authenticate(req, super::#name)
                }
            }

            export!(Component);
        }
    }
    .into()
}

/// Exports a type implementing `switchboard_guest::Presence` as the
/// component's `on-online` and `on-offline` hooks:
/// `export_presence!(MyHooks);`
#[proc_macro]
pub fn export_presence(input: TokenStream) -> TokenStream {
    let ty = parse_macro_input!(input as syn::Type);
    let bindings = bindings("presence-component");
    quote! {
        #[doc(hidden)]
        #[allow(warnings, clippy::all)]
        mod __switchboard_presence {
            #bindings

            struct Component;

            impl exports::switchboard::socket::presence::Guest for Component {
                fn on_online(user_id: ::std::string::String) -> ::core::result::Result<(), ::std::string::String> {
                    <super::#ty as ::switchboard_guest::Presence>::on_online(&user_id)
                        .map_err(::std::string::String::from)
                }

                fn on_offline(user_id: ::std::string::String) -> ::core::result::Result<(), ::std::string::String> {
                    <super::#ty as ::switchboard_guest::Presence>::on_offline(&user_id)
                        .map_err(::std::string::String::from)
                }
            }

            export!(Component);
        }
    }
    .into()
}

/// Exports a type implementing `switchboard_guest::Logging` as the
/// component's logging hooks: `export_logging!(MyLog);`
#[proc_macro]
pub fn export_logging(input: TokenStream) -> TokenStream {
    let ty = parse_macro_input!(input as syn::Type);
    let bindings = bindings("logging-component");
    quote! {
        #[doc(hidden)]
        #[allow(warnings, clippy::all)]
        mod __switchboard_logging {
            #bindings

            struct Component;

            impl exports::switchboard::socket::logging::Guest for Component {
                fn hooks() -> ::switchboard_guest::wit::types::HookModes {
                    <super::#ty as ::switchboard_guest::Logging>::hooks().into_wit()
                }

                fn on_message_received(req: ::switchboard_guest::wit::types::Request) {
                    ::switchboard_guest::__private::on_message_received::<super::#ty>(req)
                }

                fn on_message_sent(message: ::switchboard_guest::wit::types::SentMessage) {
                    ::switchboard_guest::__private::on_message_sent::<super::#ty>(message)
                }

                fn on_error(
                    error: ::std::string::String,
                    req: ::core::option::Option<::switchboard_guest::wit::types::Request>,
                ) {
                    ::switchboard_guest::__private::on_error::<super::#ty>(error, req)
                }
            }

            export!(Component);
        }
    }
    .into()
}

/// Bindings for one world, sharing the SDK's own types and imports.
fn bindings(world: &str) -> proc_macro2::TokenStream {
    let version = package_version(WIT);
    let world = format!("switchboard:socket/{world}");
    let types = format!("switchboard:socket/types@{version}");
    let socket = format!("switchboard:socket/socket@{version}");
    let store = format!("switchboard:socket/store@{version}");
    let context = format!("switchboard:socket/context@{version}");
    quote! {
        ::switchboard_guest::__private::wit_bindgen::generate!({
            inline: #WIT,
            world: #world,
            runtime_path: "::switchboard_guest::__private::wit_bindgen::rt",
            with: {
                #types: ::switchboard_guest::wit::types,
                #socket: ::switchboard_guest::wit::socket,
                #store: ::switchboard_guest::wit::store,
                #context: ::switchboard_guest::wit::context,
            },
        });
    }
}

/// The version of `package switchboard:socket@VERSION;`, which names the
/// interfaces in `with`, so a WIT bump needs no edit here.
fn package_version(wit: &str) -> &str {
    wit.lines()
        .find_map(|line| line.trim().strip_prefix("package switchboard:socket@"))
        .and_then(|rest| rest.strip_suffix(';'))
        .map(str::trim)
        .expect("wit/socket.wit declares `package switchboard:socket@VERSION;`")
}

struct HandlerOptions {
    data_type: &'static str,
    timeout: Option<u32>,
}

impl HandlerOptions {
    fn parse(args: proc_macro2::TokenStream) -> syn::Result<Self> {
        let mut options = HandlerOptions {
            data_type: "Json",
            timeout: None,
        };
        let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
        for pair in pairs {
            let key = pair
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match (key.as_str(), &pair.value) {
                (
                    "data",
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }),
                ) => {
                    options.data_type = match s.value().as_str() {
                        "json" => "Json",
                        "text" => "Text",
                        "binary" => "Binary",
                        "frame" => "Frame",
                        _ => {
                            return Err(syn::Error::new_spanned(
                                s,
                                "data must be \"json\", \"text\", \"binary\" or \"frame\"",
                            ));
                        }
                    }
                }
                (
                    "timeout",
                    Expr::Lit(ExprLit {
                        lit: Lit::Int(n), ..
                    }),
                ) => {
                    options.timeout = Some(n.base10_parse()?);
                }
                _ => {
                    return Err(syn::Error::new_spanned(
                        pair,
                        "expected `data = \"json\"|\"text\"|\"binary\"|\"frame\"` or `timeout = SECONDS`",
                    ));
                }
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::{WIT, package_version};

    #[test]
    fn reads_the_package_version() {
        assert_eq!(
            package_version("// x\npackage switchboard:socket@1.2.3;\n"),
            "1.2.3"
        );
        let version = package_version(WIT);
        assert!(WIT.contains(&format!("package switchboard:socket@{version};")));
    }
}
