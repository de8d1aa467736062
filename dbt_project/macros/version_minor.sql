{#- The integer MINOR of a version string (version_part). -#}
{% macro version_minor(version) -%}{{ version_part(version, 'minor') }}{%- endmacro %}
